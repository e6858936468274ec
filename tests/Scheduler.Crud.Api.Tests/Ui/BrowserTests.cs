using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Scheduler.Testing;

namespace Scheduler.Crud.Api.Tests.Ui;

/// <summary>
/// The web UI in headless Chromium (Debian's <c>chromium</c>, driven by Playwright): the API on a real socket,
/// WaitEcho and an executor on the same fake clock. Screenshots go to the test output folder, and to
/// <c>docs/ui/</c> when UPDATE_SCREENSHOTS=1.
/// </summary>
public sealed partial class BrowserTests : IAsyncLifetime
{
    private const string Chromium = "/usr/bin/chromium";
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    public async Task InitializeAsync()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: apt-get install -y chromium (./test.sh installs it)");
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new() { ExecutablePath = Chromium, Headless = true, Args = ["--no-sandbox"] });
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }

    private static Uri Address(ApiHarness h) =>
        new(h.Api.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    /// <summary>A signed-in page, in Berlin's time zone (so local and UTC differ), at a laptop or a phone's size.</summary>
    private async Task<IPage> SignInAsync(ApiHarness h, bool phone = false)
    {
        var context = await _browser.NewContextAsync(new()
        {
            BaseURL = Address(h).ToString(),
            TimezoneId = "Europe/Berlin",
            Locale = "en-GB",
            ViewportSize = phone ? new() { Width = 390, Height = 844 } : new() { Width = 1280, Height = 900 },
        });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(15_000);
        // Confirmation dialogs (delete, revoke) are answered yes.
        page.Dialog += async (_, dialog) => await dialog.AcceptAsync();
        await page.GotoAsync("/schedules");
        Assert.EndsWith("/login?ReturnUrl=%2Fschedules", page.Url, StringComparison.Ordinal);
        await page.GetByLabel("API key").FillAsync("not-a-key");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("unknown or revoked");
        await page.GetByLabel("API key").FillAsync(TestSettings.AdminKey);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/schedules$"));
        return page;
    }

    private static async Task ScreenshotAsync(IPage page, string name)
    {
        var file = Path.Combine(AppContext.BaseDirectory, "screenshots", name + ".png");
        await page.ScreenshotAsync(new() { Path = file, FullPage = true });
        if (Environment.GetEnvironmentVariable("UPDATE_SCREENSHOTS") == "1")
        {
            var docs = Path.Combine(PostgresServer.RepositoryRoot(), "docs", "ui");
            Directory.CreateDirectory(docs);
            File.Copy(file, Path.Combine(docs, name + ".png"), overwrite: true);
        }
    }

    [Fact]
    public async Task The_schedule_list_is_newest_first_and_a_past_outcome_never_reads_as_future_by_the_servers_clock()
    {
        await using var h = await ApiHarness.StartAsync(kestrel: true);
        await h.CreateAsync(h.Webhook("older", "\"cron\": \"0 0 9 * * *\""));
        h.Time.Advance(TimeSpan.FromMilliseconds(1));
        var newer = await h.CreateAsync(h.Webhook("every-second", "\"cron\": \"* * * * * *\""));
        h.AdvanceTo(newer["nextFireAt"]);
        await h.Executor.DrainAsync();
        var page = await SignInAsync(h);

        // Issue 32: "newest first" listed the oldest first.
        await Assertions.Expect(page.Locator("#sort option:checked")).ToHaveTextAsync("newest first");
        var rows = page.Locator("table.schedules tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(2);
        await Assertions.Expect(rows.First).ToContainTextAsync("every-second");
        await Assertions.Expect(rows.Nth(1)).ToContainTextAsync("older");
        // The last outcome is now by the server's clock (which stands still here, while the browser's runs on); one claimed
        // within the lookahead is a moment ahead and still not "in 1 second".
        await Assertions.Expect(rows.First.Locator("td").Nth(4).Locator("time")).ToHaveAttributeAsync("data-ago", "(now)");

        // Its page: when it last fired (apart from when it was changed), and its timeout as people write it.
        await rows.First.GetByRole(AriaRole.Link, new() { Name = "every-second" }).ClickAsync();
        var lastFired = (string)(await h.GetAsync($"/api/v1/schedules/{newer["id"]}"))["lastFiredAt"]!;
        var facts = page.Locator("dl.facts");
        Assert.Equal(DateTimeOffset.Parse(lastFired, System.Globalization.CultureInfo.InvariantCulture),
            DateTimeOffset.Parse(await facts.Locator("dt:text-is('Last fired') + dd time").GetAttributeAsync("datetime") ?? "", System.Globalization.CultureInfo.InvariantCulture));
        await Assertions.Expect(facts).ToContainTextAsync("timeout 3s");
    }

    [Fact]
    public async Task A_schedule_created_in_the_form_appears_with_its_next_execution_fires_and_shows_its_success()
    {
        await using var h = await ApiHarness.StartAsync(kestrel: true);
        var page = await SignInAsync(h);

        await page.GetByRole(AriaRole.Link, new() { Name = "New schedule" }).ClickAsync();
        await page.GetByLabel("Name (required)").FillAsync("nightly-report");
        await page.GetByLabel("Labels").FillAsync("team=data");
        await page.GetByLabel("Cron expression").FillAsync("0 */15 * * * *");
        await page.GetByLabel("Time zone").FillAsync("Europe/London");
        // The live preview: five fire times and the schedule in words.
        await Assertions.Expect(page.Locator("#preview-times li")).ToHaveCountAsync(5);
        await Assertions.Expect(page.Locator("#preview-description")).ToContainTextAsync("every 15 minutes");
        await page.GetByLabel("URL").FillAsync(h.Echo.EchoUrl());
        await page.GetByLabel("Headers").FillAsync("Authorization: Bearer from-the-form");
        await ScreenshotAsync(page, "create");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create schedule" }).ClickAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Status).First).ToContainTextAsync("Created nightly-report");
        var id = page.Url.Split('/')[^1];
        await ScreenshotAsync(page, "schedule");

        // It is listed with its next execution, shown in the viewer's zone with UTC on hover.
        await page.GetByRole(AriaRole.Link, new() { Name = "Schedules", Exact = true }).ClickAsync();
        var row = page.Locator("table.schedules tbody tr", new() { HasText = "nightly-report" });
        await Assertions.Expect(row).ToContainTextAsync("cron");
        var next = (string)(await h.GetAsync($"/api/v1/schedules/{id}"))["nextFireAt"]!;
        var time = row.Locator("time").First;
        Assert.Equal(DateTimeOffset.Parse(next, System.Globalization.CultureInfo.InvariantCulture),
            DateTimeOffset.Parse(await time.GetAttributeAsync("datetime") ?? "", System.Globalization.CultureInfo.InvariantCulture));
        // The page's script rewrites each time into the viewer's zone once it has run: wait for it rather than read too soon.
        await Assertions.Expect(time).Not.ToContainTextAsync("UTC");
        Assert.EndsWith("UTC", await time.GetAttributeAsync("title"), StringComparison.Ordinal);
        await ScreenshotAsync(page, "schedules");

        // It fires at WaitEcho, and its history shows the success.
        h.AdvanceTo(next);
        Assert.Equal(1, await h.Executor.DrainAsync());
        var received = Assert.Single(await h.Echo.ReceivedAsync(id));
        Assert.Equal("Bearer from-the-form", received.Headers["authorization"]);
        await row.GetByRole(AriaRole.Link, new() { Name = "nightly-report" }).ClickAsync();
        var execution = page.Locator("table.executions tbody tr").First;
        await Assertions.Expect(execution).ToContainTextAsync("succeeded");
        await execution.Locator("summary").ClickAsync();
        await Assertions.Expect(execution.Locator("ol.attempts")).ToContainTextAsync("200");
        await ScreenshotAsync(page, "history");

        // Pause and trigger from the page.
        await page.GetByRole(AriaRole.Button, new() { Name = "Pause" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync("paused");
        await page.GetByRole(AriaRole.Button, new() { Name = "Trigger now" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).First).ToContainTextAsync("Triggered");
        Assert.Equal(1, await h.Executor.DrainAsync());
        Assert.Equal(2, (await h.Echo.ReceivedAsync(id)).Count);
    }

    [Fact]
    public async Task Broker_targets_are_made_in_the_form_with_only_their_fields_and_edited_with_them_filled_in()
    {
        await using var h = await ApiHarness.StartAsync(kestrel: true);
        var page = await SignInAsync(h);

        await page.GotoAsync("/schedules/new");
        await page.GetByLabel("Name (required)").FillAsync("ui-invoices");
        await page.GetByLabel("Cron expression").FillAsync("0 0 6 1 * *");
        await page.GetByLabel("RabbitMQ message").CheckAsync();
        // Only the kind's own fields are shown.
        await Assertions.Expect(page.GetByLabel("URL")).ToBeHiddenAsync();
        await Assertions.Expect(page.GetByLabel("Subject")).ToBeHiddenAsync();
        await page.GetByLabel("Broker connection").FillAsync("orders");
        await page.GetByLabel("Exchange").FillAsync("billing");
        await page.GetByLabel("Routing key").FillAsync("invoices.monthly");
        await page.GetByLabel("Headers").FillAsync("Authorization: Bearer from-the-form");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create schedule" }).ClickAsync();
        await Assertions.Expect(page.Locator("main")).ToContainTextAsync("RabbitMQ orders: exchange billing, routing key invoices.monthly");
        var id = page.Url.Split('/')[^1];
        var target = (await h.GetAsync($"/api/v1/schedules/{id}"))["target"]!;
        Assert.Equal(("rabbitmq", "orders", "billing", "invoices.monthly", "***"),
            ((string?)target["type"], (string?)target["connection"], (string?)target["exchange"], (string?)target["routingKey"], (string?)target["headers"]!["Authorization"]));

        // Edited: its fields come back filled in, and a NATS subject with a wildcard is refused beside its field.
        await page.GotoAsync($"/schedules/{id}/edit");
        await Assertions.Expect(page.GetByLabel("Exchange")).ToHaveValueAsync("billing");
        await Assertions.Expect(page.GetByLabel("Broker connection")).ToHaveValueAsync("orders");
        await page.GetByLabel("NATS JetStream message").CheckAsync();
        await Assertions.Expect(page.GetByLabel("Exchange")).ToBeHiddenAsync();
        await page.GetByLabel("Broker connection").FillAsync("events");
        await page.GetByLabel("Subject").FillAsync("jobs.*");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-error-for=subject]")).ToContainTextAsync("wildcards");
        await page.GetByLabel("Subject").FillAsync("jobs.invoices");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
        await Assertions.Expect(page.Locator("main")).ToContainTextAsync("NATS events: subject jobs.invoices");
        target = (await h.GetAsync($"/api/v1/schedules/{id}"))["target"]!;
        Assert.Equal(("nats", "events", "jobs.invoices", null), ((string?)target["type"], (string?)target["connection"], (string?)target["subject"], (string?)target["exchange"]));
        Assert.Equal("***", (string?)target["headers"]!["Authorization"]);
        await ScreenshotAsync(page, "nats-target");
    }

    [Fact]
    public async Task An_invalid_cron_shows_the_reason_beside_the_field_live_and_on_submit()
    {
        await using var h = await ApiHarness.StartAsync(kestrel: true);
        var page = await SignInAsync(h, phone: true);
        await page.GotoAsync("/schedules/new");
        await page.GetByLabel("Name (required)").FillAsync("broken");
        await page.GetByLabel("Cron expression").FillAsync("61 * * * *");
        var beside = page.Locator("[data-error-for=cron]");
        await Assertions.Expect(beside).ToBeVisibleAsync();
        await Assertions.Expect(beside).ToContainTextAsync("cron:");
        await Assertions.Expect(page.GetByLabel("Cron expression")).ToHaveAttributeAsync("aria-invalid", "true");

        await page.GetByLabel("URL").FillAsync("http://169.254.169.254/latest/meta-data/");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create schedule" }).ClickAsync();
        await Assertions.Expect(page.Locator("#error-summary")).ToContainTextAsync("cron:");
        await Assertions.Expect(page.Locator("[data-error-for=cron]")).ToContainTextAsync("cron:");
        await Assertions.Expect(page.Locator("[data-error-for=url]")).ToContainTextAsync("link-local");
        // What was typed is kept, and nothing was stored.
        await Assertions.Expect(page.GetByLabel("Name (required)")).ToHaveValueAsync("broken");
        Assert.Empty((await h.GetAsync("/api/v1/schedules"))["items"]!.AsArray());
        await ScreenshotAsync(page, "invalid-phone");
    }

    [Fact]
    public async Task A_dead_letter_is_redriven_from_the_page()
    {
        await using var h = await ApiHarness.StartAsync(kestrel: true);
        var body = h.Webhook("flaky", "\"delay\": \"1s\"", "fail=503");
        body["maxAttempts"] = 1;
        var schedule = await h.CreateAsync(body);
        h.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, await h.Executor.DrainAsync());
        // The target is fixed (WaitEcho stops failing for a plain /echo); the schedule is given a later delay to stay editable.
        body["target"]!["url"] = h.Echo.EchoUrl();
        body["delay"] = "1h";
        Assert.True((await h.Client.PutAsJsonAsync($"/api/v1/schedules/{schedule["id"]}", body)).IsSuccessStatusCode);

        var page = await SignInAsync(h);
        await page.GetByRole(AriaRole.Link, new() { Name = "Dead letters" }).ClickAsync();
        var row = page.Locator("table.dead-letters tbody tr", new() { HasText = "flaky" });
        await Assertions.Expect(row).ToContainTextAsync("HTTP 503");
        await ScreenshotAsync(page, "dead-letters");
        await row.GetByRole(AriaRole.Button, new() { Name = "Redrive" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).First).ToContainTextAsync("Redriven");
        await Assertions.Expect(page.Locator("table.dead-letters")).ToHaveCountAsync(0);

        Assert.Equal(1, await h.Executor.DrainAsync());
        var executions = (await h.GetAsync($"/api/v1/schedules/{schedule["id"]}/executions"))["items"]!.AsArray();
        var execution = Assert.Single(executions)!;
        Assert.Equal("succeeded", (string?)execution["status"]);
        await page.GotoAsync($"/executions/{execution["id"]}");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync("succeeded");
        await Assertions.Expect(page.Locator("table tbody tr")).ToHaveCountAsync(2);
    }

    [Fact]
    public async Task A_tracked_run_shows_its_lifecycle_can_be_cancelled_from_its_page_and_the_schedule_shows_run_durations()
    {
        await using var h = await ApiHarness.StartAsync(kestrel: true);
        var page = await SignInAsync(h);
        // Filled in the form: the results fields make it a tracked schedule.
        await page.GotoAsync("/schedules/new");
        await page.GetByLabel("Name (required)").FillAsync("tracked-report");
        await page.GetByLabel("Only when triggered (no timer)").CheckAsync();
        await page.GetByLabel("Run timeout").FillAsync("10m");
        await page.GetByLabel("Heartbeat timeout").FillAsync("1m");
        await page.GetByLabel("URL").FillAsync(h.Echo.WorkUrl("for=5m&heartbeat=10s"));
        await page.GetByRole(AriaRole.Button, new() { Name = "Create schedule" }).ClickAsync();
        await Assertions.Expect(page.Locator("dl.facts")).ToContainTextAsync("tracked: runs end when the worker reports, within 10m (heartbeat within 1m)");
        var scheduleId = page.Url.Split('/')[^1];

        // A first run that finishes, for the duration chart.
        var first = await Results.ResultTrackingTests.TriggerAsync(h, scheduleId);
        await Results.ResultTrackingTests.WaitForStatusAsync(h, first, "running");
        for (var i = 2; i <= 31; i++)
        {
            h.Time.Advance(TimeSpan.FromSeconds(10));
            await Results.ResultTrackingTests.WaitForReportsAsync(h, first, i);
        }
        await Results.ResultTrackingTests.WaitForStatusAsync(h, first, "succeeded");
        await page.ReloadAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Img, new() { Name = "Run durations of the last 1 runs" })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("main")).ToContainTextAsync("p50 300000 ms");

        // A second one, seen while it runs, then cancelled from its page.
        var second = await Results.ResultTrackingTests.TriggerAsync(h, scheduleId);
        await Results.ResultTrackingTests.WaitForStatusAsync(h, second, "running");
        await page.GotoAsync($"/executions/{second}");
        var lifecycle = page.GetByRole(AriaRole.List, new() { Name = "Run lifecycle" });
        await Assertions.Expect(lifecycle).ToContainTextAsync("Running, last heartbeat");
        await Assertions.Expect(lifecycle).ToContainTextAsync("Times out");
        await Assertions.Expect(page.Locator("dl.facts").Last).ToContainTextAsync("Code that ran");
        await ScreenshotAsync(page, "execution-running");
        await page.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).First).ToContainTextAsync("Cancel asked");
        await Assertions.Expect(page.Locator("h1")).ToContainTextAsync("cancelling");
        h.Time.Advance(TimeSpan.FromSeconds(10));
        await Results.ResultTrackingTests.WaitForStatusAsync(h, second, "cancelled");
        await page.ReloadAsync();
        await Assertions.Expect(lifecycle).ToContainTextAsync("Finished");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Cancel" })).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task A_workflow_created_on_its_page_is_drawn_runs_now_fails_is_coloured_by_step_and_is_resumed_and_rerun_from_its_run_page()
    {
        await using var h = await ApiHarness.StartAsync(kestrel: true);
        await h.Echo.SetFlagAsync("bug", raised: true);
        var page = await SignInAsync(h);
        await page.GotoAsync("/workflows");
        string Step(string id, string deps, string work = "for=0s") =>
            $$"""{ "id": "{{id}}", "dependsOn": [{{deps}}], "maxAttempts": 1, "target": { "type": "webhook", "url": "{{h.Echo.WorkUrl(work)}}" } }""";
        await page.GetByLabel("Definition (JSON, as the API takes it)").FillAsync($$"""
            { "name": "ui-etl", "steps": [ {{Step("extract", "")}}, {{Step("transform", "\"extract\"", "for=0s&failWhile=bug")}},
              {{Step("validate", "\"extract\"")}}, {{Step("publish", "\"transform\", \"validate\"")}} ] }
            """);
        await page.GetByRole(AriaRole.Button, new() { Name = "Create workflow" }).ClickAsync();
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("ui-etl");
        var graph = page.GetByRole(AriaRole.Img, new() { Name = "The workflow's steps and their dependencies" });
        await Assertions.Expect(graph.Locator("g.node")).ToHaveCountAsync(4);
        await Assertions.Expect(graph.Locator("path.edge")).ToHaveCountAsync(4);
        await ScreenshotAsync(page, "workflow");

        await page.GetByLabel("Parameters (optional JSON object, carried by every step's trigger)").FillAsync("""{ "day": "2026-11-30" }""");
        await page.GetByRole(AriaRole.Button, new() { Name = "Run now" }).ClickAsync();
        await Assertions.Expect(page.Locator("h1")).ToContainTextAsync("running");
        var runId = page.Url.Split('/')[^1];
        var run = await Workflows.WorkflowRunTests.FinishAsync(h, runId);
        Assert.Equal("failed", (string)run["status"]!);
        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("h1")).ToContainTextAsync("failed");
        var steps = page.GetByRole(AriaRole.Img, new() { Name = "The workflow's steps and their dependencies" });
        await Assertions.Expect(steps.Locator("g.node.succeeded")).ToHaveCountAsync(2);
        await Assertions.Expect(steps.Locator("g.node.dead[data-step=transform]")).ToHaveCountAsync(1);
        await Assertions.Expect(steps.Locator("g.node.skipped[data-step=publish]")).ToHaveCountAsync(1);
        await Assertions.Expect(page.GetByRole(AriaRole.Img, new() { Name = "When each step ran" }).Locator("rect")).ToHaveCountAsync(4);
        await Assertions.Expect(page.Locator("main")).ToContainTextAsync("upstream-failed");
        await ScreenshotAsync(page, "workflow-run-failed");

        // The fix is deployed: resume from the page.
        await h.Echo.SetFlagAsync("bug", raised: false);
        await page.GetByRole(AriaRole.Button, new() { Name = "Resume" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).First).ToContainTextAsync("Resumed");
        Assert.Equal("succeeded", (string)(await Workflows.WorkflowRunTests.FinishAsync(h, runId))["status"]!);
        await page.ReloadAsync();
        await Assertions.Expect(steps.Locator("g.node.succeeded")).ToHaveCountAsync(4);
        await Assertions.Expect(page.Locator("main")).ToContainTextAsync("#2 resume at");

        // Rerun one step with everything downstream of it.
        await page.GetByRole(AriaRole.Button, new() { Name = "Rerun validate and downstream" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).First).ToContainTextAsync("Rerunning validate and everything downstream of it");
        run = await Workflows.WorkflowRunTests.FinishAsync(h, runId);
        Assert.Equal(["validate", "publish"], run["attempts"]!.AsArray()[2]!["steps"]!.AsArray().Select(s => (string)s!));
        await page.ReloadAsync();
        await ScreenshotAsync(page, "workflow-run");

        // A timing for it: a schedule, made in the schedule form, whose target starts the workflow.
        await page.GotoAsync("/schedules/new");
        await page.GetByLabel("Name (required)").FillAsync("ui-etl-daily");
        await page.GetByLabel("Cron expression").FillAsync("0 0 6 * * *");
        await page.GetByLabel("Start a workflow run").CheckAsync();
        await page.GetByLabel("Workflow", new() { Exact = true }).FillAsync("ui-etl");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create schedule" }).ClickAsync();
        await Assertions.Expect(page.Locator("h1")).ToContainTextAsync("ui-etl-daily");
        await page.GotoAsync($"/workflows/{run["workflowId"]}");
        await Assertions.Expect(page.Locator("main")).ToContainTextAsync("Started by schedules: ui-etl-daily");
    }

    [Fact]
    public async Task A_backfill_is_previewed_started_followed_and_cancelled_from_its_pages_a_past_date_is_triggered_and_a_secret_never_shows_its_value()
    {
        await using var h = await ApiHarness.StartAsync(kestrel: true);
        await h.PostAsync("/api/v1/calendars", System.Net.HttpStatusCode.Created, JsonNode.Parse("""
            { "name": "ops-days", "weekendDays": [], "holidays": [{ "date": "2026-10-28", "name": "Founders' Day" }] }
            """));
        var schedule = await h.CreateAsync(JsonNode.Parse($$"""
            { "name": "ui-daily-load", "cron": "0 0 6 * * *", "timeZone": "Europe/London", "calendar": "ops-days",
              "parameters": { "region": { "type": "string", "default": "eu" } }, "completion": { "runTimeout": "PT2H" },
              "target": { "type": "webhook", "url": "{{h.Echo.WorkUrl("for=1h&heartbeat=5s")}}" } }
            """)!.AsObject());
        var page = await SignInAsync(h);
        await page.GotoAsync($"/schedules/{schedule["id"]}");
        await Assertions.Expect(page.Locator("main")).ToContainTextAsync("region (string, default \"eu\")");

        // Preview: the seven runs of a week around London's DST change and the holiday, nothing stored.
        await page.GetByText("New backfill").ClickAsync();
        await page.GetByLabel("From (a date in the job's zone, or an instant)").FillAsync("2026-10-22");
        await page.GetByLabel("Until (exclusive, not in the future)").FillAsync("2026-10-30");
        await page.GetByRole(AriaRole.Button, new() { Name = "Preview the runs" }).ClickAsync();
        await Assertions.Expect(page.Locator("#backfill-preview")).ToHaveTextAsync("It would make 7 of 7 runs");
        await Assertions.Expect(page.Locator("table.preview tbody tr")).ToHaveCountAsync(7);
        await ScreenshotAsync(page, "backfill-preview");
        Assert.Empty((await h.GetAsync("/api/v1/backfills"))["items"]!.AsArray());

        // Start it: its page shows the progress bar and the runs; the first is running, the rest wait (one at a time).
        await page.GetByRole(AriaRole.Button, new() { Name = "Start backfill" }).ClickAsync();
        await Assertions.Expect(page.Locator("h1")).ToContainTextAsync("running");
        await Assertions.Expect(page.GetByRole(AriaRole.Status).First).ToContainTextAsync("Backfill started: 7 runs, at most 1 at once");
        await h.Executor.DrainAsync();
        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("progress#backfill-progress")).ToHaveAttributeAsync("max", "7");
        await Assertions.Expect(page.Locator("main table tbody tr")).ToHaveCountAsync(7);
        await Assertions.Expect(page.Locator("main table tbody tr").First).Not.ToContainTextAsync("waiting");
        await Assertions.Expect(page.Locator("main table tbody tr").Nth(1)).ToContainTextAsync("waiting");
        await ScreenshotAsync(page, "backfill");
        await page.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).First).ToContainTextAsync("Cancelled");
        await Assertions.Expect(page.Locator("h1")).ToContainTextAsync("cancelled");
        await page.GotoAsync("/backfills");
        await Assertions.Expect(page.Locator("table.backfills tbody tr")).ToHaveCountAsync(1);

        // Trigger for a past date: the run is for the occurrence at or before it.
        await page.GotoAsync($"/schedules/{schedule["id"]}");
        await page.GetByText("Trigger for a past date or with parameters").ClickAsync();
        await page.GetByLabel("Logical date (blank: now; a past instant runs it as if it were then)").FillAsync("2026-10-29T12:00:00Z");
        await page.GetByLabel("Parameters (JSON object; declared defaults fill the rest)").FillAsync("""{ "region": "us" }""");
        await page.GetByRole(AriaRole.Button, new() { Name = "Trigger", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).First).ToContainTextAsync("Triggered for 2026-10-29 06:00:00 UTC");
        await page.GetByText("Trigger for a past date or with parameters").ClickAsync();
        await page.GetByLabel("Parameters (JSON object; declared defaults fill the rest)").FillAsync("""{ "region": 7 }""");
        await page.GetByRole(AriaRole.Button, new() { Name = "Trigger", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).First).ToContainTextAsync("Not triggered: parameters.region: must be a string, got 7");

        // A secret: saved, listed, never shown.
        await page.GotoAsync("/secrets");
        await page.GetByLabel("Name (letters, digits and _)").FillAsync("vendor_token");
        await page.GetByLabel("Value").FillAsync("ui-s3cr3t-value");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save secret" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).First).ToContainTextAsync("Saved secret vendor_token");
        await Assertions.Expect(page.Locator("main table")).ToContainTextAsync("vendor_token");
        Assert.DoesNotContain("ui-s3cr3t-value", await page.ContentAsync(), StringComparison.Ordinal);

        // The audit trail: the changes made here are recorded as from the UI, the secret without its value.
        await page.GotoAsync("/audit");
        await Assertions.Expect(page.Locator("table.audit tbody tr").First).ToContainTextAsync("secret create");
        await Assertions.Expect(page.Locator("table.audit")).ToContainTextAsync("backfill cancel");
        await Assertions.Expect(page.Locator("table.audit tbody tr").First).ToContainTextAsync("ui");
        Assert.DoesNotContain("ui-s3cr3t-value", await page.ContentAsync(), StringComparison.Ordinal);
        await ScreenshotAsync(page, "audit");
        var trail = await h.GetAsync("/api/v1/audit?objectType=backfill");
        Assert.Equal(["ui", "ui"], trail["items"]!.AsArray().Select(e => (string)e!["source"]!));
    }

    [Fact]
    public async Task The_overview_and_key_pages_work_and_a_read_key_cannot_write()
    {
        await using var h = await ApiHarness.StartAsync(kestrel: true);
        var page = await SignInAsync(h);
        await page.GotoAsync("/");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Overview" })).ToBeVisibleAsync();
        await ScreenshotAsync(page, "overview");

        await page.GetByRole(AriaRole.Link, new() { Name = "API keys" }).ClickAsync();
        await page.GetByLabel("Name").FillAsync("dashboard");
        await page.GetByLabel("Scope").SelectOptionAsync("read");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create key" }).ClickAsync();
        var key = (await page.Locator("#new-key").TextContentAsync())!.Trim();
        Assert.StartsWith("smk_", key, StringComparison.Ordinal);

        // Signed in with the read key: lists work, the form is refused.
        var reader = await (await _browser.NewContextAsync(new() { BaseURL = Address(h).ToString() })).NewPageAsync();
        await reader.GotoAsync("/login");
        await reader.GetByLabel("API key").FillAsync(key);
        await reader.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(reader.GetByRole(AriaRole.Heading, new() { Name = "Overview" })).ToBeVisibleAsync();
        await Assertions.Expect(reader.GetByRole(AriaRole.Link, new() { Name = "New schedule" })).ToHaveCountAsync(0);
        await reader.GotoAsync("/schedules/new");
        await Assertions.Expect(reader.GetByRole(AriaRole.Heading, new() { Name = "Not allowed" })).ToBeVisibleAsync();

        // Revoking the key signs its browser out.
        await page.GetByRole(AriaRole.Row, new() { Name = "dashboard" }).GetByRole(AriaRole.Button, new() { Name = "Revoke" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).First).ToContainTextAsync("Revoked");
        await reader.GotoAsync("/schedules");
        Assert.Contains("/login", reader.Url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Calendar_pages_show_holidays_on_a_month_view_and_an_outage_in_force_shows_a_banner()
    {
        await using var h = await ApiHarness.StartAsync(kestrel: true);
        var today = DateOnly.FromDateTime(h.Time.GetUtcNow().UtcDateTime);
        var holiday = today.AddDays(3);
        var page = await SignInAsync(h);

        // Create a calendar in the form, seeded by hand with one holiday.
        await page.GotoAsync("/calendars");
        await page.GetByLabel("Name (required)").FillAsync("office");
        await page.GetByLabel("Holidays").FillAsync($"{holiday:yyyy-MM-dd} Founders' Day");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create calendar" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).First).ToContainTextAsync("Created office");
        var cell = page.Locator($"table.month[aria-label='{holiday:MMMM yyyy}'] td.holiday");
        await Assertions.Expect(cell).ToHaveTextAsync(holiday.Day.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Assertions.Expect(cell).ToHaveAttributeAsync("title", "Founders' Day");
        await Assertions.Expect(page.Locator("ul.holidays")).ToContainTextAsync("Founders' Day");
        await ScreenshotAsync(page, "calendar");

        // The schedule form's live preview says what the calendar moved, and why.
        await page.GotoAsync("/schedules/new");
        await page.GetByLabel("Cron expression").FillAsync("0 0 9 * * *");
        await page.GetByLabel("Business-day calendar").FillAsync("office");
        await page.GetByLabel("On a weekend day or holiday").FillAsync("next");
        await Assertions.Expect(page.Locator("#preview-adjustments")).ToContainTextAsync("Founders' Day in office: rolled to");
        await Assertions.Expect(page.Locator("#preview-description")).ToContainTextAsync("business day after");

        // An outage in force: a banner on every page, and it can be ended from the outages page.
        var start = h.Time.GetUtcNow().AddMinutes(-1);
        var created = await h.Client.PostAsync("/api/v1/outages", new StringContent($$"""{ "name": "db-upgrade", "from": "{{start:O}}", "to": "{{start.AddHours(2):O}}", "policy": "skip" }""",
            System.Text.Encoding.UTF8, "application/json"));
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        await page.GotoAsync("/");
        await Assertions.Expect(page.Locator(".outage-banner")).ToContainTextAsync("db-upgrade");
        await page.GotoAsync("/outages");
        await Assertions.Expect(page.Locator("table")).ToContainTextAsync("in-force");
        await ScreenshotAsync(page, "outages");
        await page.GetByRole(AriaRole.Button, new() { Name = "End now" }).ClickAsync();
        await Assertions.Expect(page.Locator("table")).ToContainTextAsync("ended");
        await Assertions.Expect(page.Locator(".outage-banner")).ToHaveCountAsync(0);
    }
}
