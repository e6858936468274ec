using Dapper;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Mvc.Testing.Handlers;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Scheduler.Crud.Api.Tests.Contract;
using Scheduler.Testing;

namespace Scheduler.Crud.Api.Tests;

/// <summary>The API in-process on its own fresh database.</summary>
public class ApiFactory : WebApplicationFactory<Program>, IAsyncLifetime
{
    public string ConnectionString { get; private set; } = "";

    public async Task InitializeAsync() => ConnectionString = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();

    /// <summary>Configuration on top of <see cref="TestSettings"/>.</summary>
    public Dictionary<string, string> Settings { get; init; } = [];

    /// <summary>Clients carry the admin key unless a test asks for <see cref="CreateAnonymousClient"/>.</summary>
    protected override void ConfigureClient(HttpClient client)
    {
        base.ConfigureClient(client);
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", TestSettings.AdminKey);
    }

    /// <summary>The committed OpenAPI document (a test keeps it equal to the generated one), parsed once per run.</summary>
    private static readonly Lazy<Task<OpenApiContract>> Contract = new(async () =>
        new OpenApiContract(await File.ReadAllTextAsync(Path.Combine(PostgresServer.RepositoryRoot(), "docs", "openapi.json"))));

    /// <summary>
    /// A client with the admin key whose every API answer is checked against the OpenAPI document
    /// (<see cref="ContractCheckingHandler"/>), following redirects and keeping cookies as the default client does.
    /// </summary>
    public new HttpClient CreateClient() =>
        CreateDefaultClient(ClientOptions.BaseAddress, new RedirectHandler(ClientOptions.MaxAutomaticRedirections), new CookieContainerHandler(),
            new ContractCheckingHandler(() => Contract.Value));

    /// <summary>A client without credentials.</summary>
    public HttpClient CreateAnonymousClient()
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = null;
        return client;
    }

    /// <summary>When set, the API runs on this clock.</summary>
    public TimeProvider? Time { get; init; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in TestSettings.Configuration.Concat(Settings))
        {
            builder.UseSetting(key, value);
        }
        builder.UseSetting("ConnectionStrings:Scheduler", ConnectionString);
        if (Time is { } time)
        {
            builder.ConfigureTestServices(services => services.AddSingleton(time));
        }
    }

    /// <summary>Everything stored, as text: to prove a rejected request changed nothing.</summary>
    public async Task<string> SnapshotAsync()
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        var schedules = await connection.QueryAsync<string>("select row_to_json(s)::text from schedules s order by id");
        var executions = await connection.QueryAsync<string>("select row_to_json(e)::text from executions e order by id");
        var calendars = await connection.QueryAsync<string>("select row_to_json(c)::text from calendars c order by id");
        var outages = await connection.QueryAsync<string>("select row_to_json(o)::text from outages o order by id");
        var attempts = await connection.QueryAsync<string>("select row_to_json(a)::text from execution_attempts a order by execution_id, attempt");
        var workflows = await connection.QueryAsync<string>("select row_to_json(w)::text from workflows w order by id");
        var runs = await connection.QueryAsync<string>("select row_to_json(r)::text from workflow_runs r order by id");
        var runAttempts = await connection.QueryAsync<string>("select row_to_json(a)::text from workflow_run_attempts a order by run_id, attempt");
        var secrets = await connection.QueryAsync<string>("select row_to_json(s)::text from secrets s order by id");
        var backfills = await connection.QueryAsync<string>("select row_to_json(b)::text from backfills b order by id");
        var backfillRuns = await connection.QueryAsync<string>("select row_to_json(r)::text from backfill_runs r order by backfill_id, seq");
        var audit = await connection.QueryAsync<string>("select row_to_json(a)::text from audit_events a order by id");
        return string.Join('\n', schedules.Concat(executions).Concat(calendars).Concat(outages).Concat(attempts).Concat(workflows).Concat(runs)
            .Concat(runAttempts).Concat(secrets).Concat(backfills).Concat(backfillRuns).Concat(audit));
    }

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();
}
