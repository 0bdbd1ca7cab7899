using InferencePlanner.Core.Scenarios;
using InferencePlanner.Simulation.Engine;
using InferencePlanner.Simulation.Kernel;

namespace InferencePlanner.Simulation.Fleet;

/// <summary>How traffic not offloaded is split over the pools that are not edge.</summary>
public enum RoutingPolicy
{
    /// <summary>At random, in proportion to each pool's routing weight (its capacity unless the scenario weights it).</summary>
    Weighted,

    /// <summary>To the pool with the fewest queries per server (waiting or in service).</summary>
    JoinShortestQueue,

    /// <summary>Two pools drawn by weight; the less loaded of the two.</summary>
    PowerOfTwo,
}

/// <summary>The scenario's names of the policies.</summary>
public static class RoutingPolicies
{
    public static RoutingPolicy Parse(string? name) => name switch
    {
        null or ScenarioNames.Weighted => RoutingPolicy.Weighted,
        ScenarioNames.JoinShortestQueue => RoutingPolicy.JoinShortestQueue,
        ScenarioNames.PowerOfTwo => RoutingPolicy.PowerOfTwo,
        _ => throw new ScenarioException("$.routing.policy", $"'{name}' is not one of {string.Join(", ", ScenarioNames.RoutingPolicies)}"),
    };
}

/// <summary>Picks each arrival's pool: offloaded to the edge at its share, else by the scenario's policy.</summary>
internal sealed class Router
{
    private readonly RoutingPolicy _policy;
    private readonly int _offloadPool;
    private readonly double _offloadShare;
    private readonly int[] _routable;
    private readonly double[] _weights;
    private readonly double _weightTotal;
    private readonly BatchingPoolState?[] _batching;
    private readonly LlmPoolState?[] _llm;
    private readonly BatchDispatcher _dispatcher;
    private readonly RandomSequence _random;

    public Router(SimulationModel model, BatchingPoolState?[] batching, LlmPoolState?[] llm, BatchDispatcher dispatcher, RandomSequence random)
    {
        _policy = model.RoutingPolicy;
        _offloadPool = model.OffloadPool;
        _offloadShare = model.OffloadShare;
        _routable = Enumerable.Range(0, model.Pools.Count).Where(i => !model.Pools[i].IsEdge).ToArray();
        _weights = _routable.Select(i => model.Pools[i].RoutingWeight).ToArray();
        _weightTotal = _weights.Sum();
        _batching = batching;
        _llm = llm;
        _dispatcher = dispatcher;
        _random = random;
    }

    /// <summary>The pool every query goes to when there is no choice (no offload, one routable pool), else −1.</summary>
    public int OnlyPool => _offloadPool < 0 && _routable.Length == 1 ? _routable[0] : -1;

    public int Route(double t)
    {
        if (_offloadPool >= 0 && _random.NextDouble() < _offloadShare)
        {
            return _offloadPool;
        }

        var routable = _routable;
        if (routable.Length == 1)
        {
            return routable[0];
        }

        switch (_policy)
        {
            case RoutingPolicy.JoinShortestQueue:
            {
                var best = routable[0];
                var bestLoad = double.PositiveInfinity;
                foreach (var p in routable)
                {
                    var load = Load(p, t);
                    if (load < bestLoad)
                    {
                        best = p;
                        bestLoad = load;
                    }
                }

                return best;
            }

            case RoutingPolicy.PowerOfTwo:
            {
                var a = PickWeighted();
                var b = PickWeighted();
                return Load(b, t) < Load(a, t) ? b : a;
            }

            default:
                return PickWeighted();
        }
    }

    private double Load(int pool, double t) =>
        _llm[pool] is { } llm ? LlmReplicaScheduler.Load(llm) : _dispatcher.Load(_batching[pool]!, t);

    private int PickWeighted()
    {
        var u = _random.NextDouble() * _weightTotal;
        var weights = _weights;
        for (var i = 0; i < weights.Length - 1; i++)
        {
            u -= weights[i];
            if (u < 0)
            {
                return _routable[i];
            }
        }

        return _routable[^1];
    }
}
