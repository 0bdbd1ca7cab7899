using InferencePlanner.Simulation.Fleet;
using InferencePlanner.Simulation.Kernel;
using InferencePlanner.Simulation.Metrics;
using InferencePlanner.Simulation.Workload;

namespace InferencePlanner.Simulation.Engine;

/// <summary>
/// One replication of a fleet: the clock and the event loop. Arrivals come from the arrival process (not the
/// event list: the next arrival is compared with the earliest scheduled event); the event list holds server
/// completions, batch-forming timers, generative iterations and the window's open and close. Each event goes to
/// the part that owns it — <see cref="Router"/>, <see cref="BatchDispatcher"/>, <see cref="LlmReplicaScheduler"/>,
/// <see cref="MeasurementWindow"/> — which updates state and schedules what follows; nothing is allocated per event.
/// </summary>
internal sealed class FleetSimulator
{
    private const int ChunkEvents = 1 << 16;

    private readonly SimulationModel _model;
    private readonly EventQueue _events;
    private readonly ArrivalProcess _arrivals;
    private readonly MeasurementWindow _window = new();
    private readonly QueryRecorder _recorder;
    private readonly BatchingPoolState?[] _batching;
    private readonly LlmPoolState?[] _llm;
    private readonly PoolMetrics[] _metrics;
    private readonly BatchDispatcher _dispatcher;
    private readonly LlmReplicaScheduler _scheduler;
    private readonly Router _router;
    private readonly TokenSampler? _tokens; // only when a pool is generative: queries then carry tokens
    private readonly double[] _classCumulative;
    private readonly RandomSequence _classPick;

    // Asked on every arrival, so worked out once: the arrival indices that open and close the window (−1: not by
    // count), whether queries have classes to draw, and the pool every query goes to when routing has no choice.
    private readonly long _openAtArrival;
    private readonly long _closeAtArrival;
    private readonly bool _multiClass;
    private readonly int _onlyPool;

    private double _now;
    private double _nextArrival;
    private long _arrivalIndex;
    private long _eventCount;
    private string? _abortReason;

    // The generative pools' waiting lines at the middle of the window, to tell a line that keeps growing.
    private readonly long _midAtArrival;
    private readonly bool _watchGrowth;
    private readonly double _midTime;
    private int[]? _waitingAtMid;
    private long[]? _arrivalsAtMid;
    private double _midAt;

    public FleetSimulator(SimulationModel model, int replication, Action<QueryRecord>? observer = null)
    {
        _model = model;
        var pools = model.Pools;
        var totalServers = pools.Sum(p => p.Servers);
        var series = model.TimeSeriesIntervalSeconds is { } interval
            ? new TimeSeriesRecorder(interval, Core.Scenarios.ScenarioLimits.MaxTimeSeriesPoints, totalServers)
            : null;
        _recorder = new QueryRecorder([.. model.Classes.Select(c => new ClassMetrics(c.SloLatencySeconds))], series, observer);
        _events = new EventQueue(Math.Max(64, totalServers + 8));
        _dispatcher = new BatchDispatcher(_events, _window, _recorder);
        _scheduler = new LlmReplicaScheduler(_events, _window, _recorder);

        _batching = new BatchingPoolState?[pools.Count];
        _llm = new LlmPoolState?[pools.Count];
        _metrics = new PoolMetrics[pools.Count];
        for (var i = 0; i < pools.Count; i++)
        {
            if (pools[i].Llm is { } llm)
            {
                _llm[i] = new LlmPoolState(i, pools[i], llm, model.SloTtftMs / 1000, model.SloTpotMs / 1000, model.Scenario.Workload?.Prefix?.Groups ?? 0);
                _metrics[i] = _llm[i]!.Metrics;
                series?.AddKvCapacity((double)_llm[i]!.KvCapacity * _llm[i]!.Replicas.Length);
                continue;
            }

            var service = i == 0 && model.ReplayedServiceSeconds is { } replay
                ? ServiceTimeModel.Replay(replay)
                : ServiceTimeModel.Create(pools[i].Service, pools[i].MaxBatch);
            var rtt = i == model.OffloadPool ? model.OffloadRttSeconds : 0;
            _batching[i] = new BatchingPoolState(i, pools[i], service, RandomSequence.For(model.Seed, replication, RandomSequence.Purpose.Service, i), rtt);
            _metrics[i] = _batching[i]!.Metrics;
        }

        _router = new Router(model, _batching, _llm, _dispatcher, RandomSequence.For(model.Seed, replication, RandomSequence.Purpose.Routing));
        _arrivals = model.CreateArrivals(replication);
        if (model.HasLlmPools)
        {
            _tokens = new TokenSampler(model.Trace, model.Scenario.Workload?.Tokens, RandomSequence.For(model.Seed, replication, RandomSequence.Purpose.Tokens), model.Scenario.Workload?.Prefix);
        }

        var classTotal = model.Classes.Sum(c => c.Weight);
        _classCumulative = new double[model.Classes.Count];
        var running = 0.0;
        for (var c = 0; c < model.Classes.Count; c++)
        {
            running += model.Classes[c].Weight / classTotal;
            _classCumulative[c] = running;
        }

        _classPick = RandomSequence.For(model.Seed, replication, RandomSequence.Purpose.Classes);
        _multiClass = model.Classes.Count > 1;
        _openAtArrival = model.HorizonInQueries && model.WarmupQueries > 0 ? model.WarmupQueries : -1;
        _midAtArrival = model.HorizonInQueries ? model.WarmupQueries + (model.MeasuredQueries / 2) : -1;
        _midTime = model.HorizonInQueries ? double.PositiveInfinity : model.WarmupSeconds + (model.MeasuredSeconds / 2);
        // Only under a steady offered load does a growing line mean the pool cannot keep up (a daily ramp or a burst
        // also grows it for a while); other loads rely on the check before the run.
        _watchGrowth = model.Scenario.Workload?.Arrivals?.Kind is Core.Scenarios.ScenarioNames.Poisson or Core.Scenarios.ScenarioNames.Constant;
        _closeAtArrival = model.HorizonInQueries ? model.WarmupQueries + model.MeasuredQueries - 1 : -1;
        _onlyPool = _router.OnlyPool;
    }

    /// <summary>Test hook: schedules an event of any kind, as a handler would.</summary>
    internal void Schedule(double time, EventKind kind, int target = 0, int data = 0) => _events.Push(time, kind, target, data);

    public ReplicationOutcome Run(Action<double>? progress = null, CancellationToken cancellation = default)
    {
        if (_model.HorizonInQueries)
        {
            if (_model.WarmupQueries == 0)
            {
                OpenWindow(0, firstMeasured: 0);
            }
        }
        else
        {
            _events.Push(_model.WarmupSeconds, EventKind.OpenWindow, 0);
            _events.Push(_model.WarmupSeconds + _model.MeasuredSeconds, EventKind.CloseWindow, 0);
        }

        _nextArrival = _arrivals.NextArrival(0);
        var maxEvents = _model.MaxEvents;
        while (true)
        {
            // Events in chunks: the loop itself is a method called again and again, so it is compiled (and
            // profile-guided) like any hot method; between chunks, progress, cancellation and the guards.
            var chunk = (int)Math.Min(ChunkEvents, maxEvents - _eventCount);
            if (chunk <= 0)
            {
                if (double.IsPositiveInfinity(_nextArrival) && _events.Count == 0)
                {
                    break; // drained on the very last event allowed
                }

                _abortReason = $"the run reached its bound of {maxEvents:N0} events (maxEvents) before the horizon";
                break;
            }

            if (!RunEvents(chunk))
            {
                break; // no event left: the run has drained
            }

            cancellation.ThrowIfCancellationRequested();
            progress?.Invoke(Progress());
            if (Waiting() > _model.MaxWaitingQueries)
            {
                _abortReason = $"more than {_model.MaxWaitingQueries:N0} queries were waiting: the offered load outruns the fleet";
                break;
            }
        }

        if (_window.IsOpen)
        {
            CloseWindow(_now, _arrivalIndex - 1);
        }

        foreach (var pool in _batching)
        {
            if (pool is not null)
            {
                _dispatcher.EndRun(pool, _now);
            }
        }

        return new ReplicationOutcome(
            _metrics,
            [.. _llm.Select(p => p?.Llm)],
            _recorder.Classes,
            WindowSeconds: _window.Length(_now),
            Events: _eventCount,
            AbortReason: _abortReason,
            Series: _recorder.Series?.Build(_window.Start + _window.Length(_now)),
            MeasuredArrivals: _window.MeasuredArrivals,
            InFlight: _batching.Sum(p => p is null ? 0L : p.QueueCount + p.InService) + _llm.Sum(p => p is null ? 0L : p.Waiting.Count + p.RunningCount),
            KvTokensAtEnd: [.. _llm.Select(p => p?.KvUsed ?? 0)],
            KvCapacityTokens: [.. _llm.Select(p => p?.KvCapacity ?? 0)]);
    }

    /// <summary>Handles up to <paramref name="budget"/> events in time order; false when none is left.</summary>
    private bool RunEvents(int budget)
    {
        var events = _events;
        var n = 0;
        for (; n < budget; n++)
        {
            if (_nextArrival < events.PeekTime)
            {
                _now = _nextArrival;
                OnArrival();
            }
            else if (events.Count > 0)
            {
                var e = events.Pop();
                _now = e.Time;
                switch (e.Kind)
                {
                    case EventKind.ServerFree:
                        _dispatcher.OnServerFree(_batching[e.Target]!, e.Data, _now);
                        break;
                    case EventKind.BatchTimer:
                        _dispatcher.OnBatchTimer(_batching[e.Target]!, e.Data, _now);
                        break;
                    case EventKind.LlmIterationEnd:
                        _scheduler.OnIterationEnd(_llm[e.Target]!, e.Data, _now);
                        break;
                    case EventKind.OpenWindow:
                        OpenWindow(_now, firstMeasured: _arrivalIndex);
                        break;
                    case EventKind.CloseWindow:
                        CloseWindow(_now, _arrivalIndex - 1);
                        break;
                    default:
                        throw new InvalidOperationException($"no handler for event kind {e.Kind} at t = {_now} s");
                }
            }
            else
            {
                _eventCount += n;
                return false;
            }
        }

        _eventCount += n;
        return true;
    }

    /// <summary>Queries waiting in all pools together, batching and generative alike (the runaway guard's count).</summary>
    private long Waiting() =>
        _batching.Sum(p => p is null ? 0L : p.QueueCount) + _llm.Sum(p => p is null ? 0L : p.Waiting.Count);

    private double Progress() => _model.HorizonInQueries
        ? Math.Min(1, (double)_arrivalIndex / (_model.WarmupQueries + _model.MeasuredQueries))
        : Math.Min(1, _now / (_model.WarmupSeconds + _model.MeasuredSeconds));

    private void OnArrival()
    {
        var t = _now;
        var index = _arrivalIndex++;
        if (index == _openAtArrival)
        {
            OpenWindow(t, firstMeasured: index);
        }

        if (_watchGrowth && _waitingAtMid is null && (index == _midAtArrival || t >= _midTime) && _window.IsOpen)
        {
            _waitingAtMid = [.. _llm.Select(p => p?.Waiting.Count ?? 0)];
            _arrivalsAtMid = [.. _metrics.Select(m => m.Arrivals)];
            _midAt = t;
        }

        var measured = _window.IsMeasured(index);
        _tokens?.Draw(_arrivals.CurrentRow);
        var cls = _multiClass ? PickClass() : 0;
        var tag = new QueryTag(index, cls);
        var target = _onlyPool >= 0 ? _onlyPool : _router.Route(t);
        if (measured)
        {
            _recorder.Arrived(_metrics[target], cls, t);
        }

        if (_llm[target] is { } llm)
        {
            _scheduler.Admit(llm, t, tag, measured, _tokens!.Input, _tokens.Output, _tokens.PrefixGroup, _tokens.PrefixTokens);
        }
        else
        {
            _dispatcher.Admit(_batching[target]!, t, tag, measured);
        }

        if (index == _closeAtArrival)
        {
            CloseWindow(t, index);
        }
        else
        {
            _nextArrival = _arrivals.NextArrival(t);
        }
    }

    /// <summary>Opens the window at <paramref name="t"/>; the arrival of index <paramref name="firstMeasured"/> is the first it measures.</summary>
    private void OpenWindow(double t, long firstMeasured)
    {
        // The series starts here before the pools count the work already running into it.
        if (_recorder.Series is { } series)
        {
            series.Origin = t;
        }

        for (var i = 0; i < _metrics.Length; i++)
        {
            if (_llm[i] is { } llm)
            {
                _scheduler.OpenWindow(llm, t);
            }
            else
            {
                _dispatcher.OpenWindow(_batching[i]!, t);
            }
        }

        _window.Open(t, firstMeasured);
    }

    /// <summary>Closes the window at <paramref name="t"/>, after the arrival of index <paramref name="lastMeasured"/>; arrivals stop.</summary>
    private void CloseWindow(double t, long lastMeasured)
    {
        if (_waitingAtMid is not null && _abortReason is null)
        {
            // Over the second half of the window, a waiting line that grew by a tenth of that half's arrivals (and at
            // least ten requests) is not a fluctuation: the offered load outruns the pool.
            for (var i = 0; i < _llm.Length; i++)
            {
                // A bounded line sheds load instead: it may fill without the pool being overrun.
                var arrivals = _metrics[i].Arrivals - _arrivalsAtMid![i];
                if (_llm[i] is { MaxQueue: int.MaxValue } pool && pool.Waiting.Count - _waitingAtMid[i] >= Math.Max(10, 0.1 * arrivals))
                {
                    _abortReason = string.Create(System.Globalization.CultureInfo.InvariantCulture,
                        $"generative pool '{_model.Pools[i].Name}' cannot keep up: its waiting line grew from {_waitingAtMid[i]:N0} to {pool.Waiting.Count:N0} requests over the second half of the run ({t - _midAt:N0} s, {arrivals:N0} arrivals); its latencies would grow without end");
                    break;
                }
            }
        }

        for (var i = 0; i < _metrics.Length; i++)
        {
            if (_llm[i] is { } llm)
            {
                _scheduler.CloseWindow(llm, t);
            }
            else
            {
                BatchDispatcher.CloseWindow(_batching[i]!, t);
            }
        }

        _window.Close(t, lastMeasured);
        _nextArrival = double.PositiveInfinity;
    }

    private int PickClass()
    {
        var u = _classPick.NextDouble();
        var cumulative = _classCumulative;
        for (var c = 0; c < cumulative.Length - 1; c++)
        {
            if (u < cumulative[c])
            {
                return c;
            }
        }

        return cumulative.Length - 1;
    }
}

/// <summary>The raw accumulators of one replication, before they become a <see cref="Results.SimulationResult"/>.</summary>
internal sealed record ReplicationOutcome(
    PoolMetrics[] Pools,
    LlmMetrics?[] Llm,
    ClassMetrics[] Classes,
    double WindowSeconds,
    long Events,
    string? AbortReason,
    Results.TimeSeries? Series,
    long MeasuredArrivals,
    long InFlight,
    long[] KvTokensAtEnd,
    long[] KvCapacityTokens);
