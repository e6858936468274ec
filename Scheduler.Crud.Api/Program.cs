using Scheduler.Crud.Api;

var builder = WebApplication.CreateBuilder(args);
builder.AddCrudApiServices();

var app = builder.Build();
app.MapCrudApi();
app.Run();
