using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Scheduler.Executor.Firing;
using Scheduler.Testing;

namespace Scheduler.Executor.Tests;

public class TelemetryTests
{
    [Fact]
    public async Task A_firing_leaves_spans_a_traceparent_at_the_target_and_metrics()
    {
        var spans = new List<Activity>();
        var metrics = new List<Metric>();
        using var tracing = Sdk.CreateTracerProviderBuilder().AddSource(ExecutorTelemetry.Name).AddInMemoryExporter(spans).Build();
        using var metering = Sdk.CreateMeterProviderBuilder().AddMeter(ExecutorTelemetry.Name).AddInMemoryExporter(metrics).Build();
        using var kafka = Scheduler.WaitEcho.Kafka.MockKafkaCluster.Start();
        await using var harness = await FiringHarness.StartAsync();
        var ok = await harness.CreateAsync(FiringHarness.Webhook("telemetry-ok", harness.Echo.EchoUrl()) with { Delay = "1s" });
        var toKafka = await harness.CreateAsync(new Scheduler.Common.Schedules.ScheduleRequest
        {
            Name = "telemetry-kafka",
            Delay = "1s",
            Target = new Scheduler.Common.Schedules.TargetRequest { Type = "kafka", Topic = "traced" },
        });
        var gone = await harness.CreateAsync(FiringHarness.Webhook("telemetry-gone", harness.Echo.EchoUrl("fail=404")) with { Delay = "1s" });
        harness.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(3, await TestExecutor.DrainAsync(harness.Executor("telemetry", kafka: kafka.BootstrapServers)));
        metering.ForceFlush();
        tracing.ForceFlush();

        var executions = await harness.ExecutionsAsync();
        var okExecution = executions.Single(e => e.ScheduleId == ok.Id);
        var deliver = Assert.Single(spans, s => s.OperationName == "deliver" && Equals(s.GetTagItem("scheduleman.execution_id"), okExecution.Id));
        Assert.Equal(("webhook", "succeeded", 1), ((string?)deliver.GetTagItem("target.type"), (string?)deliver.GetTagItem("outcome"), (int?)deliver.GetTagItem("scheduleman.attempt")));
        Assert.Contains(spans, s => s.OperationName == "claim" && Equals(s.GetTagItem("scheduleman.executor"), "telemetry"));
        Assert.Equal(default, deliver.ParentSpanId); // a root: one trace per attempt
        var failed = Assert.Single(spans, s => s.OperationName == "deliver" && Equals(s.GetTagItem("scheduleman.schedule_id"), gone.Id));
        Assert.Equal((ActivityStatusCode.Error, "dead"), (failed.Status, (string?)failed.GetTagItem("outcome")));

        // The target's work can join the trace: the request carried the delivery span's trace context.
        var received = Assert.Single(await harness.Echo.ReceivedAsync(ok.Id.ToString()));
        Assert.Contains(deliver.TraceId.ToHexString(), received.Headers["traceparent"], StringComparison.Ordinal);

        var kafkaSpan = Assert.Single(spans, s => s.OperationName == "deliver" && Equals(s.GetTagItem("scheduleman.schedule_id"), toKafka.Id));
        var message = Assert.Single(KafkaProbe.Read(kafka.BootstrapServers, "traced", m => m.Count >= 1, TimeSpan.FromSeconds(30)));
        Assert.Contains(kafkaSpan.TraceId.ToHexString(), message.Header("traceparent"), StringComparison.Ordinal);

        // The same instrument can be exported more than once (a periodic export beside ForceFlush, or one stream per
        // executor host in this process): read the points of every stream of that name.
        List<MetricPoint> Points(string name) => metrics.Where(m => m.Name == name).SelectMany(PointsOf).ToList();
        var triggers = Points("scheduleman.triggers");
        Assert.Contains(triggers, p => Has(p, "target.type", "webhook") && Has(p, "outcome", "succeeded") && p.GetSumLong() >= 1);
        Assert.Contains(triggers, p => Has(p, "outcome", "dead") && p.GetSumLong() >= 1);
        Assert.Contains(triggers, p => Has(p, "target.type", "kafka") && Has(p, "outcome", "succeeded"));
        Assert.Contains(Points("scheduleman.trigger.lateness"), p => p.GetHistogramCount() >= 2);
        Assert.Contains(Points("scheduleman.claim.batch_size"), p => p.GetHistogramCount() >= 1);
    }

    private static List<MetricPoint> PointsOf(Metric metric)
    {
        var points = new List<MetricPoint>();
        foreach (ref readonly var point in metric.GetMetricPoints())
        {
            points.Add(point);
        }
        return points;
    }

    private static bool Has(MetricPoint point, string key, string value)
    {
        foreach (var tag in point.Tags)
        {
            if (tag.Key == key && Equals(tag.Value, value))
            {
                return true;
            }
        }
        return false;
    }
}
