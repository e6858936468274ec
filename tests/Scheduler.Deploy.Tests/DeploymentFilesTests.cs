using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Scheduler.Testing;
using YamlDotNet.RepresentationModel;

namespace Scheduler.Deploy.Tests;

public partial class DeploymentFilesTests
{
    private static readonly string Root = PostgresServer.RepositoryRoot();
    private static readonly string Chart = Path.Combine(Root, "deploy", "helm", "scheduleman");
    private static readonly string[] Services = ["Scheduler.Crud.Api", "Scheduler.Executor", "Scheduler.WaitEcho", "Scheduler.Storage"];

    [GeneratedRegex(@"\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)")]
    private static partial Regex ValuesReference();

    private static YamlMappingNode Load(string path)
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(path);
        stream.Load(reader);
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    [Fact]
    public void Every_value_the_chart_templates_reference_is_defined_in_values_yaml()
    {
        var values = Load(Path.Combine(Chart, "values.yaml"));
        var references = Directory.GetFiles(Path.Combine(Chart, "templates"))
            .SelectMany(file => ValuesReference().Matches(File.ReadAllText(file)).Select(m => (File: Path.GetFileName(file), Path: m.Groups[1].Value.TrimStart('.'))))
            .Distinct()
            .ToList();
        Assert.NotEmpty(references);
        var missing = references.Where(r => !Defined(values, r.Path.Split('.'))).Select(r => $"{r.File}: .Values.{r.Path}").ToList();
        Assert.True(missing.Count == 0, "undefined in values.yaml:\n" + string.Join('\n', missing));

        static bool Defined(YamlMappingNode node, string[] path) =>
            node.Children.TryGetValue(new YamlScalarNode(path[0]), out var child) &&
            (path.Length == 1 || (child is YamlMappingNode mapping && Defined(mapping, path[1..])));
    }

    [Fact]
    public void Chart_metadata_and_values_are_well_formed_yaml()
    {
        var chart = Load(Path.Combine(Chart, "Chart.yaml"));
        Assert.Equal("v2", chart["apiVersion"].ToString());
        Assert.Equal("scheduleman", chart["name"].ToString());
        var values = Load(Path.Combine(Chart, "values.yaml"));
        Assert.Equal("true", ((YamlMappingNode)values["migration"])["enabled"].ToString());
        // Every template is brace-balanced Go template text (helm itself is not available here).
        foreach (var template in Directory.GetFiles(Path.Combine(Chart, "templates")))
        {
            var text = File.ReadAllText(template);
            Assert.True(Regex.Count(text, @"\{\{") == Regex.Count(text, @"\}\}"), $"{template}: unbalanced {{{{ }}}}");
        }
    }

    [Fact]
    public void Compose_builds_only_what_the_repository_has_and_pulls_only_official_images()
    {
        var services = (YamlMappingNode)Load(Path.Combine(Root, "docker-compose.yml"))["services"];
        foreach (var (name, node) in services.Children.Select(c => (c.Key.ToString(), (YamlMappingNode)c.Value)))
        {
            if (node.Children.TryGetValue(new YamlScalarNode("build"), out var build))
            {
                var context = ((YamlMappingNode)build)["context"].ToString();
                var dockerfile = ((YamlMappingNode)build)["dockerfile"].ToString();
                Assert.True(Directory.Exists(Path.Combine(Root, context)), $"{name}: no build context {context}");
                Assert.True(File.Exists(Path.Combine(Root, context, dockerfile)), $"{name}: no {dockerfile}");
                Assert.StartsWith("scheduleman/", node["image"].ToString(), StringComparison.Ordinal);
            }
            else
            {
                var image = node["image"].ToString();
                string[] official = ["postgres:", "apache/kafka:", "rabbitmq:", "nats:", "otel/opentelemetry-collector-contrib:", "jaegertracing/all-in-one:"];
                Assert.True(official.Any(o => image.StartsWith(o, StringComparison.Ordinal)), $"{name}: unexpected image {image}");
            }
        }
        Assert.Equal("2", ((YamlMappingNode)((YamlMappingNode)services["executor"])["deploy"])["replicas"].ToString());
    }

    [Fact]
    public void Collector_pipelines_use_only_components_it_defines_and_compose_mounts_it()
    {
        var config = Load(Path.Combine(Root, "deploy", "otel-collector.yaml"));
        var pipelines = (YamlMappingNode)((YamlMappingNode)config["service"])["pipelines"];
        foreach (var (section, key) in new[] { ("receivers", "receivers"), ("processors", "processors"), ("exporters", "exporters") })
        {
            var defined = ((YamlMappingNode)config[section]).Children.Keys.Select(k => k.ToString()).ToHashSet();
            foreach (var pipeline in pipelines.Children)
            {
                foreach (var used in (YamlSequenceNode)((YamlMappingNode)pipeline.Value)[key])
                {
                    Assert.Contains(used.ToString(), defined);
                }
            }
        }
        var compose = File.ReadAllText(Path.Combine(Root, "docker-compose.yml"));
        Assert.Contains("./deploy/otel-collector.yaml:/etc/otelcol/config.yaml", compose, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(ServiceNames))]
    public void Each_image_publishes_its_project_with_the_script_CI_runs_and_runs_as_non_root(string project)
    {
        var dockerfile = File.ReadAllText(Path.Combine(Root, project, "Dockerfile"));
        Assert.Contains($"RUN bash deploy/publish.sh {project} /app", dockerfile, StringComparison.Ordinal);
        Assert.Contains($"\"{project}.dll\"", dockerfile, StringComparison.Ordinal);
        Assert.Contains("USER $APP_UID", dockerfile, StringComparison.Ordinal);
        Assert.Contains("HEALTHCHECK", dockerfile, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(Root, project, project + ".csproj")));
        Assert.Contains(project, File.ReadAllText(Path.Combine(Root, ".ci", "run")), StringComparison.Ordinal);
        // An ASP.NET Core app needs the aspnet runtime image; the plain runtime image cannot start it.
        var web = File.ReadAllText(Path.Combine(Root, project, project + ".csproj")).Contains("Microsoft.NET.Sdk.Web", StringComparison.Ordinal);
        Assert.Equal(web, dockerfile.Contains("FROM mcr.microsoft.com/dotnet/aspnet:", StringComparison.Ordinal));
    }

    [Fact]
    public void The_executor_runs_with_one_gen0_budget_wherever_it_is_started()
    {
        // The runtime reads DOTNET_GCgen0size from the environment only, so each launcher sets it; the benchmark measures it.
        const string Setting = "DOTNET_GCgen0size=0x600000";
        Assert.Contains($"ENV {Setting}", File.ReadAllText(Path.Combine(Root, "Scheduler.Executor", "Dockerfile")), StringComparison.Ordinal);
        Assert.Contains($"export {Setting}", File.ReadAllText(Path.Combine(Root, "run.sh")), StringComparison.Ordinal);
        Assert.Contains($"ExecutorGen0Size = \"{Setting.Split('=')[1]}\"", File.ReadAllText(Path.Combine(Root, "bench", "Scheduler.Bench", "LocalCluster.cs")),
            StringComparison.Ordinal);
    }

    /// <summary>The grants an executor started with <paramref name="environment"/> has, through its own configuration binding.</summary>
    private static Common.Targets.BrokerGrants GrantsOf(IEnumerable<(string Name, string Value)> environment)
    {
        var configuration = new Microsoft.Extensions.Configuration.ConfigurationBuilder()
            .AddInMemoryCollection(environment.Select(e => KeyValuePair.Create(e.Name.Replace("__", ":", StringComparison.Ordinal), (string?)e.Value)))
            .Build();
        var brokers = new Executor.Delivery.Brokers.BrokerOptions();
        configuration.GetSection(Executor.Delivery.Brokers.BrokerOptions.Section).Bind(brokers);
        var kafka = new Executor.Delivery.KafkaOptions();
        configuration.GetSection(Executor.Delivery.KafkaOptions.Section).Bind(kafka);
        Assert.Empty(brokers.Problems());
        return Executor.Delivery.Brokers.ConfiguredGrants.From(brokers, kafka);
    }

    private static void AssertGrantsEverything(Common.Targets.BrokerGrants grants, string tenant, string[] connections, string launcher)
    {
        Assert.Equal(connections.Order(), grants.Connections.Keys.Order());
        foreach (var connection in connections)
        {
            var address = new Common.Targets.BrokerAddress(connection == Common.Targets.BrokerGrants.Kafka ? null : connection, "exchange", null);
            Assert.True(grants.Refusal(tenant, address) is null, $"{launcher}: tenant '{tenant}' cannot use {connection}: {grants.Refusal(tenant, address)}");
        }
    }

    [Fact]
    public void Every_launcher_grants_its_broker_connections_and_Kafka_to_the_tenant_its_API_key_administers_and_no_other()
    {
        // docker compose: the executors' environment as written (the default tenant: the API's bootstrap tenant is not changed there).
        var compose = (YamlMappingNode)Load(Path.Combine(Root, "docker-compose.yml"))["services"];
        var environment = ((YamlMappingNode)((YamlMappingNode)compose["executor"])["environment"]).Children
            .Where(c => c.Value is YamlScalarNode && c.Key.ToString() != "<<").Select(c => (c.Key.ToString(), c.Value.ToString()));
        Assert.DoesNotContain("Auth__BootstrapTenant", File.ReadAllText(Path.Combine(Root, "docker-compose.yml")), StringComparison.Ordinal);
        var composeGrants = GrantsOf(environment);
        AssertGrantsEverything(composeGrants, "default", ["events", "kafka", "orders"], "docker-compose.yml");
        Assert.NotNull(composeGrants.Refusal("another-tenant", new Common.Targets.BrokerAddress("orders", "exchange", "billing")));

        // run.sh: the broker_env array and the Kafka setting of its executors.
        var runSh = File.ReadAllText(Path.Combine(Root, "run.sh"));
        var brokerEnv = Regex.Match(runSh, @"broker_env=\((?<items>Brokers__[^)]*)\)").Groups["items"].Value;
        var items = Regex.Matches(brokerEnv, @"(?<name>\w+)=""?(?<value>[^""\s]+)""?").Select(m => (m.Groups["name"].Value, m.Groups["value"].Value))
            .Append(("Kafka__BootstrapServers", "127.0.0.1:9092")).ToList();
        Assert.Contains("Kafka__BootstrapServers=\"$KAFKA\"", runSh, StringComparison.Ordinal);
        Assert.Contains("admin of tenant 'default'", runSh, StringComparison.Ordinal);
        AssertGrantsEverything(GrantsOf(items), "default", ["events", "kafka", "orders"], "run.sh");

        // Helm (no helm binary here): each broker and Kafka get Tenants, the bootstrap tenant's when none are listed.
        var executor = File.ReadAllText(Path.Combine(Chart, "templates", "executor.yaml"));
        Assert.Contains("""printf "Brokers__%s__Tenants__%s" $name $tenant""", executor, StringComparison.Ordinal);
        Assert.Contains("""($broker.tenants | default (dict $.Values.security.bootstrapTenant "*"))""", executor, StringComparison.Ordinal);
        Assert.Contains("""printf "Kafka__Tenants__%s" $tenant""", executor, StringComparison.Ordinal);
        Assert.Contains("""(.Values.kafka.tenants | default (dict .Values.security.bootstrapTenant "*"))""", executor, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(ServiceNames))]
    public void No_settings_file_pins_the_listen_address_over_ASPNETCORE_URLS(string project)
    {
        // A "Urls" setting outranks ASPNETCORE_URLS: in a container the host would listen on localhost only.
        var settings = Path.Combine(Root, project, "appsettings.json");
        Assert.True(!File.Exists(settings) || !File.ReadAllText(settings).Contains("\"Urls\"", StringComparison.OrdinalIgnoreCase),
            $"{settings} sets Urls");
    }

    [Fact]
    public void Every_way_of_running_migrate_gives_it_the_secrets_key_so_it_can_reencrypt_older_rows()
    {
        // Helm: the job reads the key from the security Secret, which (like the database's) is a hook made before the job.
        var job = File.ReadAllText(Path.Combine(Chart, "templates", "migration-job.yaml"));
        Assert.Contains("{{- include \"scheduleman.secretsKeyEnv\" . | nindent 12 }}", job, StringComparison.Ordinal);
        var helpers = File.ReadAllText(Path.Combine(Chart, "templates", "_helpers.tpl"));
        Assert.Matches(@"define ""scheduleman.secretsKeyEnv"" -}}\s*- name: Secrets__Key", helpers);
        var secrets = File.ReadAllText(Path.Combine(Chart, "templates", "secret.yaml"));
        var security = secrets[secrets.IndexOf("scheduleman.securitySecret", StringComparison.Ordinal)..];
        Assert.Contains("\"helm.sh/hook\": pre-install,pre-upgrade", security, StringComparison.Ordinal);
        Assert.Contains("\"helm.sh/hook-weight\": \"-10\"", security, StringComparison.Ordinal);
        Assert.Contains("\"helm.sh/hook-weight\": \"0\"", job, StringComparison.Ordinal);

        // Compose: the migrate service shares the environment that carries the key.
        var services = (YamlMappingNode)Load(Path.Combine(Root, "docker-compose.yml"))["services"];
        var environment = (YamlMappingNode)((YamlMappingNode)services["migrate"])["environment"];
        Assert.Contains(new YamlScalarNode("Secrets__Key"), environment.Children.Keys);

        // run.sh: the key is exported before migrate runs.
        var run = File.ReadAllText(Path.Combine(Root, "run.sh"));
        Assert.True(run.IndexOf("export Secrets__Key", StringComparison.Ordinal) is var export and >= 0 &&
            export < run.IndexOf("Scheduler.Storage.dll migrate", StringComparison.Ordinal), "run.sh must export Secrets__Key before it migrates");
    }

    public static TheoryData<string> ServiceNames() => new(Services);
}

public partial class AutoscalingTests
{
    private static readonly string Root = PostgresServer.RepositoryRoot();

    [GeneratedRegex(@"_meter\.Create(?<kind>Counter|ObservableGauge|Histogram)(?:<[a-z]+>)?\(""(?<name>[a-z_.]+)""(?:,\s*""(?<unit>[^""]*)"")?")]
    private static partial Regex Instrument();

    [GeneratedRegex(@"\bscheduleman_[a-z_]+")]
    private static partial Regex MetricName();

    /// <summary>The Prometheus names of what the executors export (OpenTelemetry's exporter: dots to underscores, a unit that is not in braces appended, counters end in _total).</summary>
    private static HashSet<string> ExportedMetrics()
    {
        var source = File.ReadAllText(Path.Combine(Root, "Scheduler.Executor", "Firing", "ExecutorTelemetry.cs"));
        var names = Instrument().Matches(source).Select(m =>
        {
            var name = m.Groups["name"].Value.Replace('.', '_');
            var unit = m.Groups["unit"].Value;
            if (unit.Length > 0 && !unit.StartsWith('{'))
            {
                name += "_" + (unit == "ms" ? "milliseconds" : unit);
            }
            return m.Groups["kind"].Value == "Counter" ? name + "_total" : name;
        }).ToHashSet();
        Assert.Contains("scheduleman_due_backlog", names);
        return names;
    }

    [Fact]
    public void The_keda_scaler_queries_only_metrics_the_executors_export_and_is_off_by_default()
    {
        var template = File.ReadAllText(Path.Combine(Root, "deploy", "helm", "scheduleman", "templates", "executor.yaml"));
        var keda = template[template.IndexOf("kind: ScaledObject", StringComparison.Ordinal)..template.IndexOf("kind: HorizontalPodAutoscaler", StringComparison.Ordinal)];
        var queried = MetricName().Matches(keda).Select(m => m.Value).Distinct().ToList();
        Assert.Equal(["scheduleman_triggers_total", "scheduleman_due_backlog"], queried);
        var exported = ExportedMetrics();
        Assert.All(queried, name => Assert.Contains(name, exported));

        var values = File.ReadAllText(Path.Combine(Root, "deploy", "helm", "scheduleman", "values.yaml"));
        Assert.Matches(@"autoscaling:\n    enabled: false\n(?:.*\n)*?    mode: cpu\n", values);
        // Exactly one autoscaler per mode, and a mode the chart does not know fails the render.
        Assert.Contains("{{- if and $autoscaling.enabled (eq $autoscaling.mode \"keda\") }}", template, StringComparison.Ordinal);
        Assert.Contains("{{- if and $autoscaling.enabled (eq $autoscaling.mode \"cpu\") }}", template, StringComparison.Ordinal);
        Assert.Contains("{{- fail (printf \"executor.autoscaling.mode is %q; use cpu or keda\"", template, StringComparison.Ordinal);
    }
}
