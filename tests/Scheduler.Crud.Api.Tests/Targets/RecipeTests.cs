using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Scheduler.Testing;

namespace Scheduler.Crud.Api.Tests.Targets;

/// <summary>
/// The recipes in docs/targets.md, as written: each is created through the API, fired, and the request that arrives
/// (path, headers, rendered body) is what the service it names expects. Only the host is pointed at WaitEcho.
/// </summary>
public partial class RecipeTests
{
    private static readonly Dictionary<string, string> Secrets = new()
    {
        ["openfaas_basic"] = "b3BlbmZhYXM6cGFzcw==", ["airflow_basic"] = "YWlyZmxvdzpwYXNz", ["argo_token"] = "argo-sa-token", ["k8s_token"] = "k8s-sa-token",
    };

    [GeneratedRegex(@"<!-- recipe: (?<name>[a-z]+) -->\s*```json\s*(?<json>.*?)```", RegexOptions.Singleline)]
    private static partial Regex Recipe();

    public static Dictionary<string, JsonObject> Recipes() =>
        Recipe().Matches(File.ReadAllText(Path.Combine(PostgresServer.RepositoryRoot(), "docs", "targets.md")))
            .ToDictionary(m => m.Groups["name"].Value, m => JsonNode.Parse(m.Groups["json"].Value)!.AsObject());

    [Fact]
    public void The_document_has_the_five_recipes() =>
        Assert.Equal(["airflow", "argo", "kubernetes", "lambda", "openfaas"], Recipes().Keys.Order(StringComparer.Ordinal));

    [Theory]
    [InlineData("lambda")]
    [InlineData("openfaas")]
    [InlineData("airflow")]
    [InlineData("argo")]
    [InlineData("kubernetes")]
    public async Task A_recipe_is_accepted_as_written_and_sends_what_its_service_expects(string name)
    {
        await using var h = await ApiHarness.StartAsync(echoSigningSecret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        foreach (var (secret, value) in Secrets)
        {
            await h.PostAsync("/api/v1/secrets", HttpStatusCode.Created, new { name = secret, value });
        }
        var recipe = Recipes()[name];
        var url = new Uri((string)recipe["target"]!["url"]!);
        recipe["target"]!["url"] = h.Echo.EchoUrl().TrimEnd('/') + url.AbsolutePath;
        var schedule = await h.CreateAsync(recipe);
        // Its next occurrence, as the timer fires it (with the occurrence's data interval).
        h.AdvanceTo(schedule["nextFireAt"]);
        Assert.Equal(1, await h.Executor.DrainAsync());

        var received = Assert.Single(await h.Echo.ReceivedAsync((string)schedule["id"]!));
        var executionId = received.ExecutionId!;
        Assert.Equal(("POST", "/echo" + url.AbsolutePath), (received.Method, received.Path));
        Assert.DoesNotContain("{{", received.Body, StringComparison.Ordinal);
        var body = JsonNode.Parse(received.Body)!;
        var logicalDate = (string)(await h.GetAsync($"/api/v1/executions/{executionId}"))["logicalDate"]!;
        switch (name)
        {
            case "lambda":
                Assert.Equal("valid", received.Signature);
                Assert.Equal((executionId, "nightly"), ((string?)body["executionId"], (string?)body["job"]));
                break;
            case "openfaas":
                Assert.Equal("Basic " + Secrets["openfaas_basic"], received.Headers["authorization"]);
                Assert.True(DateTimeOffset.Parse((string)body["since"]!, System.Globalization.CultureInfo.InvariantCulture) <
                    DateTimeOffset.Parse((string)body["until"]!, System.Globalization.CultureInfo.InvariantCulture), received.Body);
                break;
            case "airflow":
                Assert.Equal("Basic " + Secrets["airflow_basic"], received.Headers["authorization"]);
                Assert.Equal("scheduleman-" + executionId, (string?)body["dag_run_id"]);
                Assert.Equal(DateTimeOffset.Parse(logicalDate, System.Globalization.CultureInfo.InvariantCulture),
                    DateTimeOffset.Parse((string)body["logical_date"]!, System.Globalization.CultureInfo.InvariantCulture));
                Assert.Equal("eu", (string?)body["conf"]!["region"]);
                break;
            case "argo":
                Assert.Equal("Bearer " + Secrets["argo_token"], received.Headers["authorization"]);
                Assert.Equal(("WorkflowTemplate", "nightly-etl"), ((string?)body["resourceKind"], (string?)body["resourceName"]));
                Assert.Equal("scheduleman/execution=" + executionId, (string?)body["submitOptions"]!["labels"]);
                Assert.Equal("date=" + logicalDate[..10], (string?)body["submitOptions"]!["parameters"]![0]);
                break;
            case "kubernetes":
                Assert.Equal("Bearer " + Secrets["k8s_token"], received.Headers["authorization"]);
                var jobName = (string)body["metadata"]!["name"]!;
                Assert.Equal("report-" + executionId, jobName);
                // A Job's name is a DNS-1123 label: at most 63 lowercase letters, digits and '-'.
                Assert.Matches("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", jobName);
                var args = body["spec"]!["template"]!["spec"]!["containers"]![0]!["args"]!.AsArray().Select(a => (string)a!).ToList();
                Assert.Equal("--date", args[0]);
                Assert.Equal(DateTimeOffset.Parse(logicalDate, System.Globalization.CultureInfo.InvariantCulture),
                    DateTimeOffset.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture));
                break;
        }
        // The secrets went out in the headers only, and are in no answer the API gives.
        Assert.DoesNotContain(Secrets.Values.First(), (await h.GetAsync($"/api/v1/schedules/{schedule["id"]}")).ToJsonString(), StringComparison.Ordinal);
    }
}
