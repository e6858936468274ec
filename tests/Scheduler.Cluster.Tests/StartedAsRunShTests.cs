using System.Text;
using Confluent.Kafka;
using Microsoft.Playwright;
using Scheduler.Testing;

namespace Scheduler.Cluster.Tests;

/// <summary>
/// The hosts as <c>run.sh</c> starts them: <c>dotnet Scheduler.….dll</c> run from its build folder, no environment named
/// (Production). The API looked at in headless Chromium: the in-process UI tests run from the project folder, where a web
/// root on disk is found; this process is where it was not (issue 32: ui.css and ui.js answered 200 with empty bodies).
/// </summary>
[Collection(Processes.Collection)]
public sealed class StartedAsRunShTests
{
    private const string Chromium = "/usr/bin/chromium";

    [Fact]
    public async Task The_web_ui_started_from_the_build_folder_is_styled_and_its_live_preview_answers()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: apt-get install -y chromium (./test.sh installs it)");
        var server = await PostgresServer.SharedAsync();
        var port = Ports.Free();
        var address = new Uri($"http://127.0.0.1:{port}");
        await using var api = HostProcess.Start("api", "Scheduler.Crud.Api", new()
        {
            ["ConnectionStrings__Scheduler"] = await server.CreateDatabaseAsync(),
            // What run.sh leaves unset; Development would find the files through the source tree and hide the fault.
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["DOTNET_ENVIRONMENT"] = "Production",
        }, "--urls", address.ToString());
        await HostProcess.WaitForHealthAsync(address, "API started as run.sh starts it");

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = Chromium, Headless = true, Args = ["--no-sandbox"] });
        var context = await browser.NewContextAsync(new() { BaseURL = address.ToString(), TimezoneId = "Europe/Berlin", Locale = "en-GB" });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(15_000);
        await page.GotoAsync("/login");
        await page.GetByLabel("API key").FillAsync(TestSettings.AdminKey);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/$"));

        // ui.css applies: the header has its soft background (rgb(244, 246, 248), --soft), not the browser's transparent default.
        var header = await page.Locator("header").EvaluateAsync<string>("e => getComputedStyle(e).backgroundColor");
        Assert.True(header == "rgb(244, 246, 248)", $"header background {header}: ui.css did not apply\n{api.Tail()}");
        // ui.js ran: the footer names the viewer's zone.
        await Assertions.Expect(page.Locator("footer [data-zone]")).ToHaveTextAsync("Europe/Berlin");

        // The live preview: the form asks the API as one types and shows the next fire times and the schedule in words.
        await page.GotoAsync("/schedules/new");
        await page.GetByLabel("Cron expression").FillAsync("0 */15 * * * *");
        await Assertions.Expect(page.Locator("#preview-times li")).ToHaveCountAsync(5);
        await Assertions.Expect(page.Locator("#preview-description")).ToContainTextAsync("every 15 minutes");
    }

    [Fact]
    public async Task WaitEcho_with_its_mock_kafka_consumes_the_triggers_topic_without_a_warning()
    {
        var address = new Uri($"http://127.0.0.1:{Ports.Free()}");
        await using var echo = HostProcess.Start("waitecho", "Scheduler.WaitEcho", new() { ["WaitEcho__Kafka__Mock"] = "true" }, "--urls", address.ToString());
        await HostProcess.WaitForHealthAsync(address, "WaitEcho");
        await WaitFor.ConditionAsync(() => Task.FromResult(echo.Tail(500).Contains("Consuming Kafka topics triggers", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(30), "WaitEcho to consume", () => Task.FromResult(echo.Tail()));

        using var http = new HttpClient { BaseAddress = address };
        var kafka = System.Text.Json.Nodes.JsonNode.Parse(await http.GetStringAsync("/kafka"))!;
        using (var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = (string)kafka["bootstrapServers"]! }).Build())
        {
            await producer.ProduceAsync("triggers", new Message<string, string> { Key = "k", Value = "{}" });
        }
        await WaitFor.ConditionAsync(async () => (await http.GetStringAsync("/received")).Contains("\"triggers\"", StringComparison.Ordinal),
            TimeSpan.FromSeconds(30), "WaitEcho to receive the message", () => Task.FromResult(echo.Tail()));
        // Issue 32: "Kafka consume failed: Subscribed topic not available: triggers" greeted everyone at every start.
        Assert.False(echo.Tail(500).Contains("warn:", StringComparison.Ordinal), echo.Tail(500));
    }
}
