using Microsoft.Extensions.FileProviders;

namespace Scheduler.Crud.Api.Ui;

/// <summary>
/// The UI's stylesheet and script, embedded in the API's assembly (see the csproj) and served from there. A web root on disk
/// is found only when the process starts in the folder that holds it: run.sh starts the build output, which has none
/// (ui.css answered 200 with an empty body), while the image starts in /app, which has one. Embedded, the files go wherever
/// the assembly goes, however it is started.
/// </summary>
internal static class UiFiles
{
    public static WebApplication UseUiFiles(this WebApplication app)
    {
        var files = new EmbeddedFileProvider(typeof(UiFiles).Assembly, "Scheduler.Crud.Api.wwwroot");
        // asp-append-version hashes the files it finds here.
        app.Environment.WebRootFileProvider = files;
        app.UseStaticFiles(new StaticFileOptions { FileProvider = files });
        return app;
    }
}
