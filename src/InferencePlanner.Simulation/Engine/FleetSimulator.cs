using InferencePlanner.Core.Scenarios;
using InferencePlanner.Simulation.Fleet;
using InferencePlanner.Simulation.Kernel;
using InferencePlanner.Simulation.Metrics;
using InferencePlanner.Simulation.Workload;

namespace InferencePlanner.Simulation.Engine;

/// <summary>
/// One replication of a fleet: the event loop and its handlers. Arrivals come from the arrival process
/// (not the event list: the next arrival is compared with the earliest scheduled event); the event list
/// holds server completions, batch-forming timers and the window's open and close. Every handler updates
/// state and schedules what follows; nothing is allocated per event.
/// </summary>
internal sealed class FleetSimulator
{
    private const int ServerFree = 0;
    private const int BatchTimer = 1;
    private const int OpenWindowEvent = 2;
    private const int CloseWindowEvent = 3;
    private const int LlmIterationEnd = 4;
    private const int ClassBits = 6;
    private const int ProgressMask = (1 << 16) - 1;

    /// <summary>Queries waiting in all pools together beyond which a run is stopped as unstable.</summary>
    internal const long QueueGuard = 50_000_000;

    private readonly SimulationModel _model;
    private readonly bool _hasLlmPools; // asked on every arrival: computed once
    private readonly PoolState[] _pools;
    private readonly int[] _routable;
    private readonly double[] _routeWeights;
    private readonly double _routeWeightTotal;
    private readonly int _policy;
    private readonly double[] _classCumulative;
    private readonly ClassState[] _classes;
    private readonly EventQueue _events;
    private readonly ArrivalProcess _arrivals;
    private readonly RandomSequence _routing;
    private readonly RandomSequence _classPick;
    private readonly TimeSeriesRecorder? _series;
    private readonly Action<QueryRecord>? _observer;
    private readonly RandomSequence _tokens;
    private readonly TokensSpec? _tokenSpec;
    private int _inputTokens;
    private int _outputTokens;

    private double _now;
    private double _nextArrival;
    private bool _arrivalsOpen = true;
    private bool _windowOpen;
    private double _windowStart = double.NaN;
    private double _windowEnd = double.NaN;
    private long _arrivalIndex;
    private long _firstMeasured = long.MaxValue;
    private long _lastMeasured = long.MaxValue;
    private long _eventCount;
    private long _queued;
    private string? _abortReason;

    public FleetSimulator(SimulationModel model, int replication, Action<QueryRecord>? observer = null)
    {
        _model = model;
        _hasLlmPools = model.HasLlmPools;
        _observer = observer;
        var pools = model.Pools;
        _pools = new PoolState[pools.Count];
        var totalServers = 0;
        for (var i = 0; i < pools.Count; i++)
        {
            var service = pools[i].Llm is not null ? ServiceTimeModel.Create(new ServiceSpec { Distribution = ScenarioNames.Deterministic, MeanMs = 1 }, 1)
                : i == 0 && model.ReplayedServiceSeconds is { } replay
                ? ServiceTimeModel.Replay(replay)
                : ServiceTimeModel.Create(pools[i].Service, pools[i].MaxBatch);
            var rtt = i == model.OffloadPool ? model.OffloadRttSeconds : 0;
            _pools[i] = new PoolState(i, pools[i], service, RandomSequence.For(model.Seed, replication, RandomSequence.Purpose.Service, i), rtt);
            if (pools[i].Llm is { } llm)
            {
                _pools[i].Llm = new LlmPoolState(llm.Step, llm.KvCapacityTokens, llm.MaxBatchedTokens, llm.MaxSequences, pools[i].Servers, llm.SloTtftSeconds, llm.SloTpotSeconds);
            }
            totalServers += pools[i].Servers;
        }

        _routable = Enumerable.Range(0, pools.Count).Where(i => !pools[i].IsEdge).ToArray();
        _routeWeights = _routable.Select(i => pools[i].Weight ?? pools[i].CapacityPerSecond).ToArray();
        _routeWeightTotal = _routeWeights.Sum();
        _policy = model.RoutingPolicy switch
        {
            ScenarioNames.JoinShortestQueue => 1,
            ScenarioNames.PowerOfTwo => 2,
            _ => 0,
        };

        var classTotal = model.Classes.Sum(c => c.Weight);
        _classCumulative = new double[model.Classes.Count];
        var running = 0.0;
        for (var c = 0; c < model.Classes.Count; c++)
        {
            running += model.Classes[c].Weight / classTotal;
            _classCumulative[c] = running;
        }

        _classes = model.Classes.Select(c => new ClassState(c.SloLatencySeconds)).ToArray();
        _events = new EventQueue(Math.Max(64, totalServers + 8));
        _arrivals = model.CreateArrivals(replication);
        _routing = RandomSequence.For(model.Seed, replication, RandomSequence.Purpose.Routing);
        _classPick = RandomSequence.For(model.Seed, replication, RandomSequence.Purpose.Classes);
        _tokens = RandomSequence.For(model.Seed, replication, RandomSequence.Purpose.Tokens);
        _tokenSpec = model.Scenario.Workload?.Tokens;
        if (model.TimeSeriesIntervalSeconds is { } interval)
        {
            _series = new TimeSeriesRecorder(interval, ScenarioLimits.MaxTimeSeriesPoints, totalServers);
        }
    }

    /// <summary>What the engine knows of one measured query when its service starts (tests check it against recursions).</summary>
    internal readonly record struct QueryRecord(long Index, int Pool, int Class, double ArrivalSeconds, double WaitSeconds, double LatencySeconds, int BatchSize);

    public ReplicationOutcome Run(Action<double>? progress = null, CancellationToken cancellation = default)
    {
        if (_model.HorizonInQueries)
        {
            if (_model.WarmupQueries == 0)
            {
                OpenWindow(0);
                _firstMeasured = 0;
            }
        }
        else
        {
            _events.Push(_model.WarmupSeconds, OpenWindowEvent, 0);
            _events.Push(_model.WarmupSeconds + _model.MeasuredSeconds, CloseWindowEvent, 0);
        }

        _nextArrival = _arrivals.NextArrival(0);
        var maxEvents = _model.MaxEvents;
        var events = _events;

        while (true)
        {
            var heapTime = events.PeekTime;
            if (_nextArrival < heapTime)
            {
                _now = _nextArrival;
                OnArrival();
                _nextArrival = _arrivalsOpen ? _arrivals.NextArrival(_now) : double.PositiveInfinity;
            }
            else if (events.Count > 0)
            {
                var e = events.Pop();
                _now = e.Time;
                switch (e.Kind)
                {
                    case ServerFree:
                        OnServerFree(_pools[e.Target], e.Data);
                        break;
                    case BatchTimer:
                        OnBatchTimer(_pools[e.Target], e.Data);
                        break;
                    case LlmIterationEnd:
                        OnLlmIterationEnd(_pools[e.Target], e.Data);
                        break;
                    case OpenWindowEvent:
                        OpenWindow(_now);
                        _firstMeasured = _arrivalIndex;
                        break;
                    default:
                        CloseWindow(_now);
                        _lastMeasured = _arrivalIndex - 1;
                        _arrivalsOpen = false;
                        _nextArrival = double.PositiveInfinity;
                        break;
                }
            }
            else
            {
                break;
            }

            if (++_eventCount > maxEvents)
            {
                _abortReason = $"the run reached its bound of {maxEvents:N0} events (maxEvents) before the horizon";
                break;
            }

            if ((_eventCount & ProgressMask) == 0)
            {
                cancellation.ThrowIfCancellationRequested();
                progress?.Invoke(Progress());
                if (_abortReason is not null)
                {
                    break;
                }
            }
        }

        if (_windowOpen)
        {
            CloseWindow(_now);
        }

        return Outcome();
    }

    private double Progress()
    {
        if (_model.HorizonInQueries)
        {
            return Math.Min(1, (double)_arrivalIndex / (_model.WarmupQueries + _model.MeasuredQueries));
        }

        return Math.Min(1, _now / (_model.WarmupSeconds + _model.MeasuredSeconds));
    }

    private void OnArrival()
    {
        var t = _now;
        var index = _arrivalIndex++;
        if (_model.HorizonInQueries && index == _model.WarmupQueries && !_windowOpen && double.IsNaN(_windowStart))
        {
            OpenWindow(t);
            _firstMeasured = index;
        }

        var measured = index >= _firstMeasured;
        if (_hasLlmPools)
        {
            DrawTokens();
        }

        var cls = _classes.Length > 1 ? PickClass() : 0;
        var pool = _pools[Route(t)];
        if (measured)
        {
            pool.Arrivals++;
            _classes[cls].Arrivals++;
            _series?.Arrival(t);
        }

        Admit(pool, t, (index << ClassBits) | (long)cls, measured, cls);

        if (_model.HorizonInQueries && index == _model.WarmupQueries + _model.MeasuredQueries - 1)
        {
            CloseWindow(t);
            _lastMeasured = index;
            _arrivalsOpen = false;
        }
    }

    private void Admit(PoolState pool, double t, long tag, bool measured, int cls)
    {
        if (pool.Llm is not null)
        {
            LlmAdmit(pool, t, tag, measured, cls);
            return;
        }

        if (pool.HasTimeout)
        {
            Purge(pool, t);
        }

        Advance(pool, t);
        if (pool.FreeCount == 0 || pool.MaxWait > 0)
        {
            // The query would wait (or join a forming batch): room is needed in the queue.
            if (pool.QueueCount >= pool.MaxQueue)
            {
                if (measured)
                {
                    pool.Rejected++;
                    _classes[cls].Rejected++;
                }

                return;
            }
        }

        pool.Enqueue(t, tag);
        if (++_queued > QueueGuard)
        {
            _abortReason = $"more than {QueueGuard:N0} queries were waiting: the offered load outruns the fleet";
        }

        Dispatch(pool, t);
    }

    /// <summary>Starts batches on free servers while the rules allow; otherwise arms the batch-forming timer.</summary>
    private void Dispatch(PoolState pool, double t)
    {
        while (pool.FreeCount > 0 && pool.QueueCount > 0)
        {
            if (pool.QueueCount >= pool.MaxBatch || pool.MaxWait == 0)
            {
                StartBatch(pool, t, Math.Min(pool.QueueCount, pool.MaxBatch));
                continue;
            }

            var due = pool.QueueArrival[pool.QueueHead] + pool.MaxWait;
            if (t >= due)
            {
                StartBatch(pool, t, pool.QueueCount);
                continue;
            }

            if (!pool.TimerArmed || pool.TimerAt != due)
            {
                pool.TimerVersion++;
                pool.TimerArmed = true;
                pool.TimerAt = due;
                _events.Push(due, BatchTimer, pool.Index, pool.TimerVersion);
            }

            return;
        }
    }

    private void StartBatch(PoolState pool, double t, int size)
    {
        var server = pool.FreeStack[--pool.FreeCount];
        var service = pool.Service.Sample(size, pool.Random);
        var end = t + service;
        var rtt = pool.RttSeconds;
        var head = pool.QueueHead;
        var mask = pool.QueueMask;
        var firstMeasured = _firstMeasured;
        var multiClass = _classes.Length > 1;
        var slo = _model.SloLatencySeconds;

        for (var j = 0; j < size; j++)
        {
            var arrival = pool.QueueArrival[head];
            var tag = pool.QueueTag[head];
            head = (head + 1) & mask;
            if ((tag >> ClassBits) < firstMeasured)
            {
                continue;
            }

            var wait = t - arrival;
            var latency = wait + service + rtt;
            pool.Wait.Record(wait * 1000);
            pool.Latency.Record(latency * 1000);
            pool.Served++;
            if (wait > 0)
            {
                pool.Waited++;
            }

            var cls = (int)(tag & ((1 << ClassBits) - 1));
            if (multiClass)
            {
                var state = _classes[cls];
                state.Latency.Record(latency * 1000);
                state.Served++;
                if (latency <= state.SloSeconds)
                {
                    state.Good++;
                    pool.Good++;
                }
            }
            else if (latency <= slo)
            {
                pool.Good++;
            }

            _series?.Completion(end, latency);
            _observer?.Invoke(new QueryRecord(tag >> ClassBits, pool.Index, cls, arrival, wait, latency, size));
        }

        pool.QueueHead = head;
        pool.QueueCount -= size;
        _queued -= size;
        pool.InService += size;
        pool.BatchOf[server] = size;
        pool.BusyUntil[server] = end;
        if (_windowOpen)
        {
            pool.BusySeconds[server] += service;
            pool.Batches++;
            pool.BatchedQueries += size;
            pool.BatchSizeCounts[size]++;
            _series?.Busy(t, end);
        }

        _events.Push(end, ServerFree, pool.Index, server);
    }

    private void OnServerFree(PoolState pool, int server)
    {
        var t = _now;
        if (pool.HasTimeout)
        {
            Purge(pool, t);
        }

        Advance(pool, t);
        pool.InService -= pool.BatchOf[server];
        pool.BatchOf[server] = 0;
        pool.FreeStack[pool.FreeCount++] = server;
        Dispatch(pool, t);
    }

    private void OnBatchTimer(PoolState pool, int version)
    {
        if (version != pool.TimerVersion)
        {
            return; // superseded
        }

        pool.TimerArmed = false;
        var t = _now;
        if (pool.HasTimeout)
        {
            Purge(pool, t);
        }

        Advance(pool, t);
        Dispatch(pool, t);
    }

    /// <summary>
    /// Removes the queries that gave up by <paramref name="t"/>. With one timeout per pool, deadlines follow
    /// arrival order, so they leave from the head, each at its own deadline.
    /// </summary>
    private void Purge(PoolState pool, double t)
    {
        while (pool.QueueCount > 0)
        {
            var deadline = pool.QueueArrival[pool.QueueHead] + pool.Timeout;
            if (deadline > t)
            {
                return;
            }

            Advance(pool, deadline);
            var tag = pool.QueueTag[pool.QueueHead];
            pool.QueueHead = (pool.QueueHead + 1) & pool.QueueMask;
            pool.QueueCount--;
            _queued--;
            if ((tag >> ClassBits) >= _firstMeasured)
            {
                pool.Abandoned++;
                _classes[(int)(tag & ((1 << ClassBits) - 1))].Abandoned++;
            }
        }
    }

    /// <summary>Integrates the pool's queue and system counts up to <paramref name="t"/> while the window is open.</summary>
    private void Advance(PoolState pool, double t)
    {
        if (_windowOpen)
        {
            var dt = t - pool.LastChange;
            if (dt > 0)
            {
                pool.AreaQueue += pool.QueueCount * dt;
                pool.AreaSystem += (pool.QueueCount + pool.InService) * dt;
                _series?.QueueArea(pool.LastChange, t, pool.QueueCount);
            }
        }

        pool.LastChange = t;
    }

    private void OpenWindow(double t)
    {
        foreach (var pool in _pools)
        {
            // Queries are removed at their deadline lazily, at the pool's next event: those already past it
            // leave now, at their deadlines, before the integrals start (else the time from the latest deadline
            // to now, before the window, would be counted in it).
            if (pool.HasTimeout)
            {
                Purge(pool, t);
            }

            Advance(pool, t);
            // Batches already running count from now on.
            for (var s = 0; s < pool.Servers; s++)
            {
                if (pool.BatchOf[s] > 0 && pool.BusyUntil[s] > t)
                {
                    pool.BusySeconds[s] += pool.BusyUntil[s] - t;
                    _series?.Busy(t, pool.BusyUntil[s]);
                }
            }
        }

        _windowOpen = true;
        _windowStart = t;
        if (_series is not null)
        {
            _series.Origin = t;
        }
    }

    private void CloseWindow(double t)
    {
        foreach (var pool in _pools)
        {
            // Likewise: queries past their deadline stop counting at it, not at the window's end.
            if (pool.HasTimeout)
            {
                Purge(pool, t);
            }

            Advance(pool, t);
            // Running batches were counted to their end: take back what lies beyond the window.
            for (var s = 0; s < pool.Servers; s++)
            {
                if (pool.BatchOf[s] > 0 && pool.BusyUntil[s] > t)
                {
                    pool.BusySeconds[s] -= pool.BusyUntil[s] - t;
                }
            }
        }

        _windowOpen = false;
        _windowEnd = t;
    }

    /// <summary>The query's tokens: its trace row's, else drawn from the workload's distributions.</summary>
    private void DrawTokens()
    {
        if (_model.Trace is { } trace && _arrivals.CurrentRow >= 0)
        {
            _inputTokens = Math.Max(1, trace.ContextTokens[_arrivals.CurrentRow]);
            _outputTokens = Math.Max(1, trace.GeneratedTokens[_arrivals.CurrentRow]);
            return;
        }

        _inputTokens = Draw(_tokenSpec?.Input);
        _outputTokens = Draw(_tokenSpec?.Output);
    }

    private int Draw(TokenDistributionSpec? spec)
    {
        if (spec?.Mean is not { } mean)
        {
            return 1;
        }

        var value = spec.Distribution switch
        {
            "exponential" => _tokens.Exponential(mean),
            "lognormal" => LogNormal(mean, spec.Scv ?? 1),
            _ => mean,
        };
        return (int)Math.Clamp(Math.Round(value), 1, spec.Max ?? int.MaxValue);
    }

    private double LogNormal(double mean, double scv)
    {
        var sigma = Math.Sqrt(Math.Log(1 + scv));
        return Math.Exp(Math.Log(mean) - (0.5 * sigma * sigma) + (sigma * _tokens.StandardNormal()));
    }

    private void LlmAdmit(PoolState pool, double t, long tag, bool measured, int cls)
    {
        var llm = pool.Llm!;
        LlmAdvance(llm, t);
        // Refused: it could never fit in one replica's cache, or the line is full.
        if (_inputTokens + _outputTokens > llm.KvCapacity || llm.Waiting.Count >= pool.MaxQueue)
        {
            if (measured)
            {
                pool.Rejected++;
                _classes[cls].Rejected++;
            }

            return;
        }

        llm.Waiting.AddLast(new LlmSequence { Arrival = t, Tag = tag, Prompt = _inputTokens, Output = _outputTokens });
        for (var r = 0; r < llm.Replicas.Length; r++)
        {
            if (!llm.Replicas[r].Busy)
            {
                PlanIteration(pool, r, t);
                return;
            }
        }
    }

    /// <summary>
    /// One iteration of continuous batching on a replica: every sequence past its prompt decodes a token
    /// (preempting the youngest, and sending it back to recompute, when the cache is full); the rest of the
    /// token budget continues chunked prefills, then admits waiting requests while the cache has room.
    /// </summary>
    private void PlanIteration(PoolState pool, int replicaIndex, double t)
    {
        var llm = pool.Llm!;
        var replica = llm.Replicas[replicaIndex];
        var running = replica.Running;

        var decoding = 0;
        foreach (var seq in running)
        {
            if (seq.Prefilled == seq.Prompt)
            {
                decoding++;
            }
        }

        while (decoding > 0 && replica.KvUsed + decoding > llm.KvCapacity)
        {
            var victim = running[^1];
            running.RemoveAt(running.Count - 1);
            replica.KvUsed -= victim.Kv;
            if (victim.Prefilled == victim.Prompt)
            {
                decoding--;
            }

            // Recompute: a decoding sequence prefills its prompt and what it generated again; a half-prefilled
            // one starts its prompt over.
            if (victim.Prefilled == victim.Prompt)
            {
                victim.Prompt = (int)victim.Kv;
            }

            victim.Prefilled = 0;
            victim.Kv = 0;
            llm.Waiting.AddFirst(victim);
            llm.Preemptions++;
        }

        int decodes = 0;
        double context = 0, prefillTokens = 0, pairs = 0, past = 0;
        var budget = llm.MaxBatchedTokens;
        foreach (var seq in running)
        {
            seq.Chunk = 0;
            seq.Decoding = false;
            if (seq.Prefilled == seq.Prompt && budget > 0)
            {
                seq.Decoding = true;
                context += seq.Kv;
                seq.Kv++;
                replica.KvUsed++;
                decodes++;
                budget--;
            }
        }

        foreach (var seq in running)
        {
            if (budget <= 0)
            {
                break;
            }

            if (seq.Prefilled < seq.Prompt)
            {
                var chunk = (int)Math.Min(Math.Min(seq.Prompt - seq.Prefilled, budget), llm.KvCapacity - replica.KvUsed);
                if (chunk <= 0)
                {
                    continue;
                }

                Prefill(seq, chunk, ref prefillTokens, ref pairs, ref past);
                replica.KvUsed += chunk;
                budget -= chunk;
            }
        }

        while (budget > 0 && running.Count < llm.MaxSequences && llm.Waiting.Count > 0)
        {
            var next = llm.Waiting.First!.Value;
            var chunk = Math.Min(next.Prompt, budget);
            // Admit only when the whole prompt will fit beside what runs.
            if (replica.KvUsed + next.Prompt > llm.KvCapacity)
            {
                break;
            }

            llm.Waiting.RemoveFirst();
            if (double.IsNaN(next.Admitted))
            {
                next.Admitted = t;
            }

            running.Add(next);
            Prefill(next, chunk, ref prefillTokens, ref pairs, ref past);
            replica.KvUsed += chunk;
            budget -= chunk;
        }

        if (decodes == 0 && prefillTokens == 0)
        {
            replica.Busy = false;
            return;
        }

        replica.Busy = true;
        llm.Iterations++;
        llm.PeakKvUsed = Math.Max(llm.PeakKvUsed, replica.KvUsed);
        var seconds = llm.Step.StepSeconds(decodes, context, prefillTokens, pairs, past);
        if (_windowOpen)
        {
            pool.BusySeconds[replicaIndex] += seconds;
            _series?.Busy(t, t + seconds);
        }

        _events.Push(t + seconds, LlmIterationEnd, pool.Index, replicaIndex);
    }

    private static void Prefill(LlmSequence seq, int chunk, ref double prefillTokens, ref double pairs, ref double past)
    {
        seq.Chunk = chunk;
        pairs += chunk * (seq.Prefilled + ((chunk + 1) / 2.0));
        past += seq.Prefilled;
        prefillTokens += chunk;
        seq.Kv += chunk;
    }

    private void OnLlmIterationEnd(PoolState pool, int replicaIndex)
    {
        var t = _now;
        var llm = pool.Llm!;
        LlmAdvance(llm, t);
        var replica = llm.Replicas[replicaIndex];
        var running = replica.Running;
        for (var i = running.Count - 1; i >= 0; i--)
        {
            var seq = running[i];
            if (seq.Decoding)
            {
                seq.Generated++;
                CountToken(pool, seq);
            }

            if (seq.Chunk > 0)
            {
                seq.Prefilled += seq.Chunk;
                if (seq.Prefilled == seq.Prompt && seq.Generated == 0)
                {
                    // The iteration that completes the prompt yields the first token.
                    seq.Generated = 1;
                    seq.FirstToken = t;
                    CountToken(pool, seq);
                }
            }

            seq.Chunk = 0;
            seq.Decoding = false;
            if (seq.Generated >= seq.Output)
            {
                running.RemoveAt(i);
                replica.KvUsed -= seq.Kv;
                Complete(pool, seq, t);
            }
        }

        PlanIteration(pool, replicaIndex, t);
    }

    private void CountToken(PoolState pool, LlmSequence seq)
    {
        if ((seq.Tag >> ClassBits) >= _firstMeasured && _windowOpen)
        {
            pool.Llm!.OutputTokens++;
        }
    }

    private void Complete(PoolState pool, LlmSequence seq, double t)
    {
        if ((seq.Tag >> ClassBits) < _firstMeasured)
        {
            return;
        }

        var llm = pool.Llm!;
        var ttft = seq.FirstToken - seq.Arrival;
        var latency = t - seq.Arrival;
        var wait = seq.Admitted - seq.Arrival;
        pool.Wait.Record(wait * 1000);
        pool.Latency.Record(latency * 1000);
        pool.Served++;
        if (wait > 0)
        {
            pool.Waited++;
        }

        llm.Ttft.Record(ttft * 1000);
        var tpot = seq.Output > 1 ? (t - seq.FirstToken) / (seq.Output - 1) : 0;
        if (seq.Output > 1)
        {
            llm.Tpot.Record(tpot * 1000);
        }

        var cls = (int)(seq.Tag & ((1 << ClassBits) - 1));
        _classes[cls].Served++;
        _classes[cls].Latency.Record(latency * 1000);
        var good = ttft <= llm.SloTtftSeconds && tpot <= llm.SloTpotSeconds && latency <= _model.SloLatencySeconds;
        if (good)
        {
            llm.Good++;
            pool.Good++;
            _classes[cls].Good++;
        }

        _series?.Completion(t, latency);
        _observer?.Invoke(new QueryRecord(seq.Tag >> ClassBits, pool.Index, cls, seq.Arrival, wait, latency, seq.Output));
    }

    private void LlmAdvance(LlmPoolState llm, double t)
    {
        if (_windowOpen)
        {
            var dt = t - llm.LastChange;
            if (dt > 0)
            {
                var capacity = (double)llm.KvCapacity * llm.Replicas.Length;
                llm.AreaKvShare += llm.KvUsed / capacity * dt;
                llm.AreaRunning += llm.RunningCount * dt;
            }
        }

        llm.LastChange = t;
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

    private int Route(double t)
    {
        if (_model.OffloadPool >= 0 && _routing.NextDouble() < _model.OffloadShare)
        {
            return _model.OffloadPool;
        }

        var routable = _routable;
        if (routable.Length == 1)
        {
            return routable[0];
        }

        switch (_policy)
        {
            case 1:
            {
                var best = routable[0];
                var bestLoad = double.PositiveInfinity;
                foreach (var p in routable)
                {
                    var load = Load(_pools[p], t);
                    if (load < bestLoad)
                    {
                        best = p;
                        bestLoad = load;
                    }
                }

                return best;
            }

            case 2:
            {
                var a = PickWeighted();
                var b = PickWeighted();
                return Load(_pools[b], t) < Load(_pools[a], t) ? b : a;
            }

            default:
                return PickWeighted();
        }
    }

    private double Load(PoolState pool, double t)
    {
        if (pool.Llm is { } llm)
        {
            return (double)(llm.Waiting.Count + llm.RunningCount) / pool.Servers;
        }

        if (pool.HasTimeout)
        {
            Purge(pool, t);
        }

        return (double)(pool.QueueCount + pool.InService) / pool.Servers;
    }

    private int PickWeighted()
    {
        var u = _routing.NextDouble() * _routeWeightTotal;
        var weights = _routeWeights;
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

    private ReplicationOutcome Outcome()
    {
        var window = double.IsNaN(_windowStart) ? 0 : (double.IsNaN(_windowEnd) ? _now : _windowEnd) - _windowStart;
        return new ReplicationOutcome(
            _pools,
            _classes,
            WindowSeconds: window,
            Events: _eventCount,
            AbortReason: _abortReason,
            Series: _series?.Build(_windowStart + window),
            MeasuredArrivals: _lastMeasured == long.MaxValue || _firstMeasured == long.MaxValue ? 0 : _lastMeasured - _firstMeasured + 1,
            InFlight: _pools.Sum(p => (long)p.QueueCount + p.InService));
    }
}

/// <summary>Per-class accumulators of one replication.</summary>
internal sealed class ClassState(double sloSeconds)
{
    public readonly double SloSeconds = sloSeconds;
    public readonly LatencyHistogram Latency = new();
    public long Arrivals;
    public long Served;
    public long Rejected;
    public long Abandoned;
    public long Good;
}

/// <summary>The raw accumulators of one replication, before they become a <see cref="Results.SimulationResult"/>.</summary>
internal sealed record ReplicationOutcome(
    PoolState[] Pools,
    ClassState[] Classes,
    double WindowSeconds,
    long Events,
    string? AbortReason,
    Results.TimeSeries? Series,
    long MeasuredArrivals,
    long InFlight);
