namespace Scheduler.Testing;

/// <summary>Polls a condition instead of sleeping; on time-out says what it was waiting for and what it saw.</summary>
public static class WaitFor
{
    public static async Task ConditionAsync(Func<Task<bool>> condition, TimeSpan timeout, string waitingFor, Func<Task<string>>? describe = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                var state = describe is null ? "" : $"\nState:\n{await describe()}";
                throw new TimeoutException($"Timed out after {timeout.TotalSeconds:0.#} s waiting for {waitingFor}.{state}");
            }
            await Task.Delay(50);
        }
    }
}
