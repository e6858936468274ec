namespace Scheduler.Common.Workflows;

/// <summary>The steps' dependency graph (validated acyclic): order, layers and reachability.</summary>
public sealed class Dag
{
    private readonly Dictionary<string, StepDefinition> _steps;
    private readonly Dictionary<string, List<string>> _downstream;

    public Dag(IReadOnlyList<StepDefinition> steps)
    {
        _steps = steps.ToDictionary(s => s.Id, StringComparer.Ordinal);
        _downstream = steps.ToDictionary(s => s.Id, _ => new List<string>(), StringComparer.Ordinal);
        foreach (var step in steps)
        {
            foreach (var upstream in step.DependsOn)
            {
                _downstream[upstream].Add(step.Id);
            }
        }
        Order = TopologicalOrder(steps);
        Layers = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var id in Order)
        {
            Layers[id] = _steps[id].DependsOn.Count == 0 ? 0 : _steps[id].DependsOn.Max(d => Layers[d]) + 1;
        }
    }

    /// <summary>Every step after all it depends on; ties in the order they were written.</summary>
    public IReadOnlyList<string> Order { get; }

    /// <summary>Each step's layer: 0 for a step without dependencies, else one more than its deepest upstream step.</summary>
    public Dictionary<string, int> Layers { get; }

    public StepDefinition this[string id] => _steps[id];

    public bool Contains(string id) => _steps.ContainsKey(id);

    public IReadOnlyList<string> DownstreamOf(string id) => _downstream[id];

    /// <summary>Everything downstream of <paramref name="id"/>, transitively (without it).</summary>
    public HashSet<string> Descendants(string id)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<string>(_downstream[id]);
        while (stack.TryPop(out var next))
        {
            if (seen.Add(next))
            {
                foreach (var child in _downstream[next])
                {
                    stack.Push(child);
                }
            }
        }
        return seen;
    }

    /// <summary>
    /// The steps a rerun of <paramref name="requested"/> runs: those, plus (the rule users write in the definition) every
    /// step marked <see cref="StepDefinition.RerunWithDownstream"/> that has one of them downstream, until nothing changes.
    /// </summary>
    public HashSet<string> WithRerunRule(IEnumerable<string> requested)
    {
        var set = new HashSet<string>(requested, StringComparer.Ordinal);
        bool changed;
        do
        {
            changed = false;
            foreach (var step in _steps.Values.Where(s => s.RerunWithDownstream && !set.Contains(s.Id)))
            {
                if (Descendants(step.Id).Overlaps(set))
                {
                    set.Add(step.Id);
                    changed = true;
                }
            }
        }
        while (changed);
        return set;
    }

    /// <summary>The first cycle found as a path (<c>a, b, c, a</c>), or null when the graph is acyclic. Unknown ids are ignored.</summary>
    public static IReadOnlyList<string>? FindCycle(IReadOnlyList<(string Id, IReadOnlyList<string> DependsOn)> steps)
    {
        var edges = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var (id, dependsOn) in steps)
        {
            edges.TryAdd(id, dependsOn);
        }
        // 0 unvisited, 1 on the current path, 2 done. The path is followed downstream (from a step to what depends on it)
        // so that the cycle reads in the order things would run: a → b → c → a.
        var downstream = edges.Keys.ToDictionary(k => k, _ => new List<string>(), StringComparer.Ordinal);
        foreach (var (id, dependsOn) in edges)
        {
            foreach (var upstream in dependsOn.Where(downstream.ContainsKey))
            {
                downstream[upstream].Add(id);
            }
        }
        var state = edges.Keys.ToDictionary(k => k, _ => 0, StringComparer.Ordinal);
        var path = new List<string>();
        foreach (var (id, _) in steps)
        {
            if (state[id] == 0 && Visit(id) is { } cycle)
            {
                return cycle;
            }
        }
        return null;

        List<string>? Visit(string id)
        {
            state[id] = 1;
            path.Add(id);
            foreach (var next in downstream[id])
            {
                if (state[next] == 1)
                {
                    return [.. path[path.IndexOf(next)..], next];
                }
                if (state[next] == 0 && Visit(next) is { } found)
                {
                    return found;
                }
            }
            path.RemoveAt(path.Count - 1);
            state[id] = 2;
            return null;
        }
    }

    private static List<string> TopologicalOrder(IReadOnlyList<StepDefinition> steps)
    {
        var order = new List<string>(steps.Count);
        var done = new HashSet<string>(StringComparer.Ordinal);
        while (order.Count < steps.Count)
        {
            var ready = steps.Where(s => !done.Contains(s.Id) && s.DependsOn.All(done.Contains)).ToList();
            if (ready.Count == 0)
            {
                throw new InvalidOperationException("the steps form a cycle");
            }
            foreach (var step in ready)
            {
                done.Add(step.Id);
                order.Add(step.Id);
            }
        }
        return order;
    }
}
