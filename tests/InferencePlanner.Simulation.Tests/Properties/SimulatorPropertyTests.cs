using System.Text.Json;
using CsCheck;
using InferencePlanner.Core.Scenarios;
using InferencePlanner.Simulation.Engine;
using InferencePlanner.Simulation.Results;

namespace InferencePlanner.Simulation.Tests.Properties;

/// <summary>
/// Properties of the engine over random valid scenarios (CsCheck): Poisson arrivals offered to one to three
/// pools of one to eight servers, exponential, deterministic, Erlang, lognormal or hyperexponential service,
/// with or without batching, a bounded queue, a timeout, query classes and a time series, below capacity.
/// The exact properties run on CsCheck's random seeds (a failure prints the seed to replay it and the shrunk
/// scenario as a document); the one statistical property runs on a fixed seed, so that its false-alarm
/// rate is paid once, when the seed was chosen, and not on every run.
/// </summary>
public sealed class SimulatorPropertyTests
{
    // ---- (a) conservation -------------------------------------------------------------------------------

    /// <summary>
    /// Every measured arrival is accounted for exactly once. The engine counts a measured query (by arrival
    /// index in a horizon of queries, by arrival time in one of seconds) as <c>completed</c> when its batch
    /// starts service, <c>rejected</c> when the queue is full on arrival and <c>abandoned</c> when it is still
    /// waiting at its deadline; arrivals stop when the window closes, and the run then drains (the loop ends
    /// only when no event is left), so none is left in flight:
    /// arrivals = completed + rejected + abandoned, in every pool and class, in integers.
    /// </summary>
    [Fact]
    public void Simulate_RandomFleet_AccountsForEveryArrival()
    {
        AnyScenario.Sample(scenario =>
        {
            var model = SimulationModel.Compile(scenario);
            var outcome = new FleetSimulator(model, 0).Run();
            var run = ReplicationSummary.Of(model, outcome);

            Assert.True(run.Stable, run.Reason);
            Assert.Equal(0L, outcome.InFlight);
            Assert.Equal(outcome.MeasuredArrivals, run.Arrivals);
            if (model.HorizonInQueries)
            {
                Assert.Equal(model.MeasuredQueries, run.Arrivals);
            }

            Assert.Equal(run.Arrivals, run.Completed + run.Rejected + run.Abandoned);
            Assert.Equal(run.Arrivals, run.Pools.Sum(p => p.Arrivals));
            Assert.Equal(run.Completed, run.Pools.Sum(p => p.Completed));
            Assert.Equal(run.Rejected, run.Pools.Sum(p => p.Rejected));
            Assert.Equal(run.Abandoned, run.Pools.Sum(p => p.Abandoned));
            for (var i = 0; i < run.Pools.Count; i++)
            {
                var pool = run.Pools[i];
                var spec = scenario.Pools![i];
                Assert.Equal(pool.Arrivals, pool.Completed + pool.Rejected + pool.Abandoned);
                // Only a bounded queue rejects, only a timeout abandons.
                Assert.True(spec.MaxQueueLength is not null || pool.Rejected == 0, $"{pool.Name}: rejections without a bound");
                Assert.True(spec.TimeoutMs is not null || pool.Abandoned == 0, $"{pool.Name}: abandonments without a timeout");
            }

            if (run.Classes.Count > 0)
            {
                Assert.Equal(run.Arrivals, run.Classes.Sum(c => c.Arrivals));
                Assert.Equal(run.Completed, run.Classes.Sum(c => c.Completed));
                Assert.Equal(run.Rejected, run.Classes.Sum(c => c.Rejected));
                Assert.Equal(run.Abandoned, run.Classes.Sum(c => c.Abandoned));
                Assert.All(run.Classes, c => Assert.Equal(c.Arrivals, c.Completed + c.Rejected + c.Abandoned));
            }
        }, iter: 120, print: Print);
    }

    // ---- (b) Little's law -------------------------------------------------------------------------------

    /// <summary>
    /// Little's law as a sample-path identity. Where the window starts on an empty pool (no warm-up), the
    /// engine's integral of the number in the pool over the window, ∫N dt, is exactly the sum over the
    /// queries of the part of their stay that falls in the window: from arrival to the end of service for
    /// those served (wait + service: the latency), to the deadline for those that abandoned (the timeout),
    /// nothing for those rejected, each cut at the window's end; likewise ∫N_q dt and the waits. The served
    /// queries' arrival, wait and latency come from the engine's per-query hook; the others' arrival times from
    /// replaying the arrival stream (its own random sequence, so the same times). With one pool and either a
    /// bound or a timeout (never both), every query not served is known to be rejected, or known to be
    /// abandoned. The two sides add the same durations in another order, so they agree to rounding: 1e-9
    /// relative (a run adds ~10⁴ terms of relative rounding 10⁻¹⁶). This property found the window-edge bug
    /// pinned by <c>InvariantTests.Simulate_TimeoutNearTheWindowsEdge_CountsTheQueueUpToTheDeadline</c>.
    /// </summary>
    [Fact]
    public void Simulate_FromEmpty_TimeInSystemIsTheSumOfTheStays()
    {
        LittleIdentityScenario.Sample(scenario =>
        {
            var model = SimulationModel.Compile(scenario);
            var pool = scenario.Pools![0];
            var served = new Dictionary<long, (double Arrival, double Wait, double Latency)>();
            var outcome = new FleetSimulator(model, 0, q => served.Add(q.Index, (q.ArrivalSeconds, q.WaitSeconds, q.LatencySeconds))).Run();
            var state = outcome.Pools[0];
            var end = outcome.WindowSeconds; // the window opens at 0

            var arrivals = model.CreateArrivals(0);
            double systemTime = 0, queueTime = 0, t = 0;
            for (long i = 0; i < outcome.MeasuredArrivals; i++)
            {
                t = arrivals.NextArrival(t);
                if (served.TryGetValue(i, out var q))
                {
                    Assert.Equal(t, q.Arrival);
                    systemTime += Math.Min(t + q.Latency, end) - t;
                    queueTime += Math.Min(t + q.Wait, end) - t;
                }
                else if (pool.TimeoutMs is { } timeoutMs)
                {
                    var stay = Math.Min(t + (timeoutMs / 1000), end) - t;
                    systemTime += stay;
                    queueTime += stay;
                }
            }

            Assert.Equal(state.Served, (long)served.Count);
            Assert.Equal(outcome.MeasuredArrivals, state.Served + state.Rejected + state.Abandoned);
            var tolerance = 1e-9 * Math.Max(1, systemTime);
            Assert.True(Math.Abs(state.AreaSystem - systemTime) <= tolerance, $"∫N dt = {state.AreaSystem:R} s but the stays add up to {systemTime:R} s");
            Assert.True(Math.Abs(state.AreaQueue - queueTime) <= tolerance, $"∫Nq dt = {state.AreaQueue:R} s but the waits add up to {queueTime:R} s");
        }, iter: 200, print: Print);
    }

    /// <summary>
    /// Little's law over random fleets after a warm-up: in every pool, L = (completed·W + abandoned·τ) / T,
    /// with L the time-average number in the pool over the window T, W the completed queries' mean latency and
    /// τ the pool's timeout (an abandoning query stays exactly τ; a rejected one not at all). After a warm-up
    /// the two sides are not equal on a sample path: with R(x) the remaining stay, summed over the queries in
    /// the pool at time x, (L − right side)·T = R(start) − R(end) exactly (what warm-up queries bring into the
    /// window less what measured queries carry out of it). With a horizon in seconds both ends are fixed
    /// times, so in steady state R(start) and R(end) have the same expectation and the difference has mean
    /// zero; the test is that it does, within its own spread: the half-width of a 99.9 % Student-t interval
    /// over 8 independent replications (<see cref="Tolerance"/>). (A horizon in queries ends on an arrival
    /// whose whole stay is in W but not in L: a bias of one stay per window, as large as the spread.)
    /// Calibration, measured over 1,197 pools of 600 fleets of <see cref="SteadyScenario"/>: the mean t
    /// statistic was −0.04, 4.0 % of the differences lay beyond the 95 % interval and 0.17 % beyond the 99.9 %
    /// one. A first generator, with pools of very different speeds and a warm-up of 1,000 fleet arrivals, was
    /// biased (9 % and 0.5 %, mean t −0.26: the slow pools were not yet in steady state, or served no query in
    /// the window), hence <see cref="SteadyScenario"/>. The fixed seed makes the outcome the same on every run.
    /// </summary>
    [Fact]
    public void Simulate_RandomFleet_LittlesLawHoldsInEveryPool()
    {
        SteadyScenario.Array[40].Sample(scenarios =>
        {
            foreach (var seconds in scenarios)
            {
                var runs = Scenarios.Replicate(seconds, 8);
                for (var p = 0; p < runs[0].Pools.Count; p++)
                {
                    var pool = p;
                    var timeoutSeconds = (seconds.Pools![pool].TimeoutMs ?? 0) / 1000;
                    var differences = runs.Select(r =>
                    {
                        var x = r.Pools[pool];
                        Assert.True(r.Stable, r.Reason);
                        return x.MeanInSystem - (((x.Completed * x.LatencyMs.Mean / 1000) + (x.Abandoned * timeoutSeconds)) / r.SimulatedSeconds);
                    }).ToList();
                    Tolerance.AssertMatches(0, differences, $"{Print(seconds)}\npool {runs[0].Pools[pool].Name}: L − (completed·W + abandoned·τ)/T");
                }
            }
        }, seed: "0N0XIzNsQ0O2", iter: 1, threads: 1, print: a => string.Join("\n", a.Select(Print)));
    }

    // ---- (c) monotonicity with common random numbers --------------------------------------------------

    /// <summary>
    /// One FCFS pool, no batching, no bound, no timeout: a server more never makes any query wait longer. With
    /// one pool and one class nothing is drawn for routing or classes; arrivals come from their own stream and
    /// service times from the pool's, one draw per batch (here per query) as service starts, which under FCFS
    /// is arrival order; so the same seed gives query k the same arrival time and the same service time
    /// whatever the number of servers (common random numbers). Query k starts at max(aₖ, earliest time a
    /// server is free) and that server is then free at start + Sₖ (Kiefer–Wolfowitz on free times). That map
    /// is monotone, in floating point too (max is exact and rounding x + Sₖ is monotone in x), so by induction
    /// against the c-server fleet padded with a server that is never free, every start, hence every wait
    /// (start − aₖ, the same aₖ on both sides), is no later with c + 1 servers: asserted exactly, query by
    /// query. The mean wait is a sum in the same (arrival) order over the same count, and rounded addition is
    /// monotone, so it is asserted exactly too.
    /// </summary>
    [Fact]
    public void Simulate_OneMoreServer_NoQueryWaitsLonger()
    {
        MonotoneScenario.Sample(scenario =>
        {
            var servers = scenario.Pools![0].Count!.Value;
            var more = scenario with { Pools = [scenario.Pools[0] with { Count = servers + 1 }] };
            var (waits, run) = Waits(scenario);
            var (fewerWaits, moreRun) = Waits(more);

            Assert.Equal(waits.Length, fewerWaits.Length);
            for (var k = 0; k < waits.Length; k++)
            {
                Assert.True(fewerWaits[k] <= waits[k], $"query {k} waits {fewerWaits[k]:R} s with {servers + 1} servers but {waits[k]:R} s with {servers}");
            }

            Assert.True(moreRun.WaitMs.Mean <= run.WaitMs.Mean, $"mean wait {moreRun.WaitMs.Mean:R} ms with {servers + 1} servers > {run.WaitMs.Mean:R} ms with {servers}");
            Assert.True(moreRun.LatencyMs.Mean <= run.LatencyMs.Mean, $"mean latency {moreRun.LatencyMs.Mean:R} ms with {servers + 1} servers > {run.LatencyMs.Mean:R} ms with {servers}");
            // Not vacuous: from an empty start, the first query that waits with c servers finds one free with c + 1
            // (until then both fleets served the same queries at the same times, c of them busy then).
            var first = Array.FindIndex(waits, w => w > 0);
            Assert.True(scenario.Horizon!.WarmupQueries > 0 || first < 0 || fewerWaits[first] == 0, $"query {first} waits with {servers + 1} servers");
        }, iter: 80, print: Print);
    }

    private static (double[] Waits, SimulationResult Run) Waits(Scenario scenario)
    {
        var model = SimulationModel.Compile(scenario);
        var waits = new double[model.MeasuredQueries];
        var firstMeasured = model.WarmupQueries;
        var run = SimulationRunner.RunReplication(model, 0, q => waits[q.Index - firstMeasured] = q.WaitSeconds);
        Assert.True(run.Stable, run.Reason);
        Assert.Equal(model.MeasuredQueries, run.Completed);
        return (waits, run);
    }

    // ---- (d) reproducibility --------------------------------------------------------------------------

    /// <summary>
    /// The same scenario and seed give a bit-identical result: run twice, compiled again from the scenario's
    /// document (written and read back), and with the replications run one at a time or side by side.
    /// </summary>
    [Fact]
    public void Simulate_SameScenarioAndSeed_GivesTheSameResultToTheBit()
    {
        AnyScenario.Sample(scenario =>
        {
            var model = SimulationModel.Compile(scenario);
            var reread = SimulationModel.Compile(ScenarioJson.Parse(ScenarioJson.Write(scenario)));

            var first = Json(SimulationRunner.Run(model, new SimulationOptions { Replications = 2, MaxDegreeOfParallelism = 1 }));
            var again = Json(SimulationRunner.Run(model, new SimulationOptions { Replications = 2, MaxDegreeOfParallelism = 1 }));
            var fromDocument = Json(SimulationRunner.Run(reread, new SimulationOptions { Replications = 2, MaxDegreeOfParallelism = 2 }));

            Assert.Equal(first, again);
            Assert.Equal(first, fromDocument);
        }, iter: 40, print: Print);
    }

    private static string Json(SimulationResult result) => JsonSerializer.Serialize(result);

    // ---- generators -----------------------------------------------------------------------------------

    private static string Print(Scenario scenario) => ScenarioJson.Write(scenario);

    /// <summary>A service-time distribution with a mean from 1 ms to 1 s (log-uniform).</summary>
    private static readonly Gen<ServiceSpec> Service = Gen.Select(Gen.Int[0, 4], Gen.Double[0, 3], Gen.Int[1, 8], Gen.Double[0.1, 4], (kind, logMean, shape, scv) =>
    {
        var meanMs = Math.Round(Math.Pow(10, logMean), 3);
        return kind switch
        {
            0 => new ServiceSpec { Distribution = ScenarioNames.Exponential, MeanMs = meanMs },
            1 => new ServiceSpec { Distribution = ScenarioNames.Deterministic, MeanMs = meanMs },
            2 => new ServiceSpec { Distribution = ScenarioNames.Erlang, MeanMs = meanMs, Shape = shape },
            3 => new ServiceSpec { Distribution = ScenarioNames.Lognormal, MeanMs = meanMs, Scv = Math.Round(scv, 3) },
            _ => new ServiceSpec { Distribution = ScenarioNames.Hyperexponential, MeanMs = meanMs, Scv = Math.Round(1 + scv, 3) },
        };
    });

    /// <summary>A pool; batching, a queue bound and a timeout (0.5 to 20 mean services) each present or not.</summary>
    private static readonly Gen<PoolSpec> Pool = Gen.Select(
        Gen.Int[1, 8],
        Service,
        Gen.Select(Gen.Bool, Gen.Int[1, 8], Gen.Frequency((1, Gen.Const(0.0)), (3, Gen.Double[0, 20]))),
        Gen.Int[0, 20].Nullable(0.5),
        Gen.Double[0.5, 20].Nullable(0.5),
        (count, service, batching, bound, timeout) => new PoolSpec
        {
            Count = count,
            Service = service,
            Batching = batching.Item1 ? new BatchingSpec { MaxBatch = batching.Item2, MaxWaitMs = Math.Round(batching.Item3, 3) } : null,
            MaxQueueLength = bound,
            TimeoutMs = timeout is { } f ? Math.Round(f * service.MeanMs!.Value, 3) : null,
        });

    /// <summary>Queries per second a pool serves at most: every server busy with full batches.</summary>
    private static double Capacity(PoolSpec pool) => pool.Count!.Value * (pool.Batching?.MaxBatch ?? 1) * 1000 / pool.Service!.MeanMs!.Value;

    /// <summary>
    /// A random valid scenario: one to three pools offered 20 % to 85 % of their capacity together (split by
    /// capacity, or by join-shortest-queue or power-of-two), a horizon of 2,000 to 10,000 queries or the seconds
    /// they take, with a warm-up of up to 2,000 queries, one to three query classes, a time series or not.
    /// </summary>
    private static readonly Gen<Scenario> AnyScenario = Gen.Select(
        Pool.Array[1, 3],
        Gen.Double[0.2, 0.85],
        Gen.Select(Gen.Bool, Gen.Int[2_000, 10_000], Gen.Int[0, 2_000]),
        Gen.Select(Gen.Int[0, 2], Gen.Int[1, 3], Gen.Bool, Gen.Long[0, 1_000_000]),
        (pools, load, horizon, rest) =>
        {
            var named = pools.Select((p, i) => p with { Name = $"pool{i}" }).ToList();
            var rate = Math.Round(load * named.Sum(Capacity), 6);
            var (inQueries, queries, warmup) = horizon;
            var (policy, classes, series, seed) = rest;
            return new Scenario
            {
                Name = "random",
                Seed = seed,
                Horizon = inQueries
                    ? new Horizon { Queries = queries, WarmupQueries = warmup }
                    : new Horizon { Seconds = queries / rate, WarmupSeconds = warmup / rate },
                Workload = new Core.Scenarios.Workload
                {
                    Arrivals = new ArrivalSpec { Kind = ScenarioNames.Poisson, RatePerSecond = rate },
                    Classes = classes == 1 ? null : Enumerable.Range(0, classes).Select(c => new QueryClassSpec { Name = $"class{c}", Weight = c + 1 }).ToList(),
                },
                Pools = named,
                Routing = new RoutingSpec { Policy = ScenarioNames.RoutingPolicies[policy] },
                TimeSeriesIntervalSeconds = series ? Math.Round(queries / rate / 20, 6) : null,
            };
        });

    /// <summary>
    /// A fleet for the statistical Little's law: like <see cref="AnyScenario"/>, but its pools get comparable
    /// shares of the traffic (each pool's capacity within a factor of four of another's, 10 to 10,000 queries/s)
    /// and the horizon is in seconds: a warm-up and a window of at least 200 mean services of the slowest pool
    /// (and about 2,000 and 3,000 arrivals per pool), so that every pool is near its steady state when measured and
    /// sees many queries in the window.
    /// </summary>
    private static readonly Gen<Scenario> SteadyScenario = Gen.Select(
        Gen.Select(Pool, Gen.Double[-0.3, 0.3]).Array[1, 3],
        Gen.Double[1, 4],
        Gen.Double[0.2, 0.8],
        Gen.Select(Gen.Int[0, 2], Gen.Int[1, 3], Gen.Long[0, 1_000_000]),
        (pools, logCapacity, load, rest) =>
        {
            var scaled = pools.Select((x, i) => WithCapacity(x.Item1, Math.Pow(10, logCapacity + x.Item2)) with { Name = $"pool{i}" }).ToList();
            var rate = Math.Round(load * scaled.Sum(Capacity), 6);
            var slowestSeconds = scaled.Max(p => p.Service!.MeanMs!.Value) / 1000;
            var (policy, classes, seed) = rest;
            return new Scenario
            {
                Name = "steady",
                Seed = seed,
                Horizon = new Horizon
                {
                    Seconds = Math.Max(3_000 * scaled.Count / rate, 200 * slowestSeconds),
                    WarmupSeconds = Math.Max(2_000 * scaled.Count / rate, 200 * slowestSeconds),
                },
                Workload = new Core.Scenarios.Workload
                {
                    Arrivals = new ArrivalSpec { Kind = ScenarioNames.Poisson, RatePerSecond = rate },
                    Classes = classes == 1 ? null : Enumerable.Range(0, classes).Select(c => new QueryClassSpec { Name = $"class{c}", Weight = c + 1 }).ToList(),
                },
                Pools = scaled,
                Routing = new RoutingSpec { Policy = ScenarioNames.RoutingPolicies[policy] },
            };
        });

    /// <summary>The pool with its service (and timeout) scaled in time so that it serves <paramref name="capacity"/> queries/s at most.</summary>
    private static PoolSpec WithCapacity(PoolSpec pool, double capacity)
    {
        var meanMs = pool.Service!.MeanMs!.Value;
        var scaledMs = Math.Round(meanMs * Capacity(pool) / capacity, 6);
        return pool with
        {
            Service = pool.Service with { MeanMs = scaledMs },
            TimeoutMs = pool.TimeoutMs is { } t ? Math.Round(t * scaledMs / meanMs, 6) : null,
        };
    }

    /// <summary>
    /// One pool (the first of a random scenario, at that scenario's load), no warm-up, a bound or a timeout but
    /// not both, and the same number of queries (or the seconds they take).
    /// </summary>
    private static readonly Gen<Scenario> LittleIdentityScenario = Gen.Select(AnyScenario, Gen.Bool, (scenario, keepBound) =>
    {
        // Few servers and timeouts of a fraction of a service put deadlines between the pool's events, and at
        // the window's end, often: where the integral and the stays could part.
        var pool = scenario.Pools![0] with { Count = Math.Min(scenario.Pools[0].Count!.Value, 2) };
        if (pool.MaxQueueLength is not null && pool.TimeoutMs is not null)
        {
            pool = keepBound ? pool with { TimeoutMs = null } : pool with { MaxQueueLength = null };
        }

        if (pool.TimeoutMs is { } timeoutMs)
        {
            pool = pool with { TimeoutMs = Math.Round(timeoutMs / 10, 3) };
        }

        var oldRate = scenario.Workload!.Arrivals!.RatePerSecond!.Value;
        var rate = Math.Round(oldRate / scenario.Pools.Sum(Capacity) * Capacity(pool), 6);
        var horizon = scenario.Horizon!.Queries is { } queries
            ? new Horizon { Queries = queries, WarmupQueries = 0 }
            : new Horizon { Seconds = scenario.Horizon.Seconds!.Value * oldRate / rate, WarmupSeconds = 0 };
        return scenario with
        {
            Pools = [pool],
            Horizon = horizon,
            Workload = new Core.Scenarios.Workload { Arrivals = new ArrivalSpec { Kind = ScenarioNames.Poisson, RatePerSecond = rate } },
            Routing = null,
            TimeSeriesIntervalSeconds = null,
        };
    });

    /// <summary>One FCFS pool of one to seven servers at 30 % to 95 % load, no batching, bound or timeout; one class.</summary>
    private static readonly Gen<Scenario> MonotoneScenario = Gen.Select(
        Gen.Int[1, 7], Service, Gen.Double[0.3, 0.95], Gen.Frequency((1, Gen.Const(0)), (1, Gen.Int[1, 1_000])), Gen.Int[2_000, 10_000], Gen.Long[0, 1_000_000],
        (servers, service, load, warmup, queries, seed) => new Scenario
        {
            Name = "monotone",
            Seed = seed,
            Horizon = new Horizon { Queries = queries, WarmupQueries = warmup },
            Workload = new Core.Scenarios.Workload
            {
                Arrivals = new ArrivalSpec { Kind = ScenarioNames.Poisson, RatePerSecond = Math.Round(load * servers * 1000 / service.MeanMs!.Value, 6) },
            },
            Pools = [new PoolSpec { Name = "pool", Count = servers, Service = service }],
        });
}
