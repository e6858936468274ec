using Scheduler.Common.Targets;

namespace Scheduler.Common.Tests;

/// <summary>The executors' cache of parsed targets.</summary>
public sealed class StoredTargetsTests
{
    private static string Webhook(int i) => $$"""{"type":"webhook","url":"http://127.0.0.1:9/echo/{{i}}","method":"POST","headers":{"X-N":"{{i}}"},"timeout":"PT{{1 + i % 50}}S"}""";

    [Fact]
    public void The_same_stored_json_is_parsed_once_and_each_json_reads_as_its_own_target()
    {
        var json = Webhook(-1);
        var first = StoredTargets.Parse(json);
        // A fresh string with the same text (as each row read from the database is) finds the parsed one.
        Assert.Same(first, StoredTargets.Parse(new string(json.AsSpan())));
        Assert.Equal(TargetSpec.FromJson(json).Summary, first.Summary);

        // Past the capacity the cache starts afresh; every answer is still the target of the JSON asked for.
        for (var i = 0; i < StoredTargets.Capacity * 3; i++)
        {
            var target = (WebhookTarget)StoredTargets.Parse(Webhook(i));
            Assert.Equal(($"http://127.0.0.1:9/echo/{i}", $"{i}", TimeSpan.FromSeconds(1 + i % 50)), (target.Url.ToString(), target.Headers["X-N"], target.Timeout));
        }
    }
}
