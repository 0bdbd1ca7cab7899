using System.Globalization;
using InferencePlanner.Core.Analytics;
using InferencePlanner.Core.Llm;
using InferencePlanner.Core.Scenarios;
using InferencePlanner.Simulation.Results;

namespace InferencePlanner.Simulation.Engine;

/// <summary>
/// The analytic result nearest to a one-pool fleet under Poisson arrivals, to set beside its simulation: Erlang C
/// (M/M/c) and Pollaczek–Khinchine (M/G/1), exact; M/G/c and M/D/c by Lee and Longton's approximation; greedy
/// batching as the bulk-service queue M/M^[b]/1 (exact on one server, approximate on several); continuous batching
/// as a processor-sharing estimate. Each is labelled exact or approximate and names what it assumes, so that a user
/// sees when simulation and theory part and why.
/// </summary>
public static class NearestClosedForm
{
    /// <summary>The estimate for <paramref name="model"/>, or null when no closed form is near (several pools,
    /// arrivals other than Poisson, a bounded line or timeouts, a service given by a measured profile).</summary>
    public static ClosedFormEstimate? For(SimulationModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Pools is not [{ } pool] || model.Scenario.Workload?.Arrivals is not { Kind: ScenarioNames.Poisson, RatePerSecond: { } rate }
            || !(rate > 0) || pool.ShedsLoad)
        {
            return null;
        }

        return pool.Llm is { } llm ? Generative(model, pool, llm, rate) : SingleBatch(pool, rate);
    }

    private static ClosedFormEstimate? SingleBatch(PoolModel pool, double rate)
    {
        var service = pool.Service;
        if (service.Profile is not null || service.MeanMs is not { } meanMs || !(meanMs > 0) || service.Distribution is null)
        {
            return null;
        }

        var mean = meanMs / 1000;
        var mu = 1 / mean;
        var c = pool.Servers;
        var scv = PoolClosedForm.Scv(service);
        var exponential = service.Distribution == ScenarioNames.Exponential;
        if (pool.MaxBatch > 1)
        {
            // Greedy batching: a free server takes up to b waiting queries at once, its batch served in one draw of the
            // service whatever its size. The bulk-service queue solves it for exponential batches and no batching timer.
            if (!exponential || pool.MaxWaitSeconds > 0 || rate >= c * pool.MaxBatch * mu)
            {
                return null;
            }

            var share = rate / c;
            var bulk = new BulkServiceQueue(share, mu, pool.MaxBatch);
            return new ClosedFormEstimate
            {
                Name = c == 1 ? $"bulk service M/M^[{pool.MaxBatch}]/1" : $"bulk service M/M^[{pool.MaxBatch}]/1 per server (λ/{c} each)",
                Exact = c == 1,
                Basis = c == 1
                    ? "greedy batching of exponential batch services (Neuts' bulk-service queue)"
                    : $"each of the {c} servers as its own bulk-service queue fed a random {1.0 / c:P0} of the arrivals; the shared line of the simulation waits less",
                MeanWaitMs = bulk.MeanWait * 1000,
                MeanLatencyMs = (bulk.MeanWait + mean) * 1000,
                Utilization = bulk.Utilization,
                MeanBatchSize = bulk.MeanBatchSize,
            };
        }

        if (rate >= c * mu)
        {
            return null;
        }

        var mmc = new MmcQueue(rate, mu, c);
        if (exponential)
        {
            return new ClosedFormEstimate
            {
                Name = $"Erlang C (M/M/{c})",
                Exact = true,
                Basis = "exponential service on a shared line",
                ProbabilityOfWait = mmc.ProbabilityOfWait,
                MeanWaitMs = mmc.MeanWait * 1000,
                MeanLatencyMs = mmc.MeanSojourn * 1000,
                P99LatencyMs = mmc.SojournQuantile(0.99) * 1000,
                Utilization = mmc.Utilization,
            };
        }

        var kind = service.Distribution == ScenarioNames.Deterministic ? "D" : "G";
        if (c == 1)
        {
            return new ClosedFormEstimate
            {
                Name = $"Pollaczek–Khinchine (M/{kind}/1, scv {scv.ToString("0.##", CultureInfo.InvariantCulture)})",
                Exact = true,
                Basis = "the mean wait of one server is exact for any service distribution (its mean and scv)",
                ProbabilityOfWait = PollaczekKhinchine.ProbabilityOfWait(rate, mean),
                MeanWaitMs = PollaczekKhinchine.MeanWait(rate, mean, scv) * 1000,
                MeanLatencyMs = PollaczekKhinchine.MeanSojourn(rate, mean, scv) * 1000,
                Utilization = rate * mean,
            };
        }

        // Lee and Longton (1959): the M/M/c wait scaled by (1 + scv) / 2; exact for c = 1, close for c > 1.
        var wait = (1 + scv) / 2 * mmc.MeanWait;
        return new ClosedFormEstimate
        {
            Name = $"M/{kind}/{c} (Lee–Longton, scv {scv.ToString("0.##", CultureInfo.InvariantCulture)})",
            Exact = false,
            Basis = "the Erlang C wait scaled by (1 + scv)/2: exact on one server, within a few percent on several at moderate load",
            MeanWaitMs = wait * 1000,
            MeanLatencyMs = (wait + mean) * 1000,
            Utilization = mmc.Utilization,
        };
    }

    /// <summary>
    /// Continuous batching as processor sharing: a request alone on a replica takes T₀ (its prefill, then one decode
    /// step per further token, plus the engine's per-request overhead); with ρ = offered / capacity (the replicas'
    /// token capacity, <see cref="LlmCapacity"/>), it takes T₀ / (1 − ρ).
    /// </summary>
    private static ClosedFormEstimate? Generative(SimulationModel model, PoolModel pool, LlmPoolModel llm, double rate)
    {
        var (meanInput, meanOutput) = StabilityCheck.MeanTokens(model);
        var capacity = StabilityCheck.GenerativeCapacity(model, pool, llm).RequestsPerSecond * pool.Servers;
        if (!(capacity > rate))
        {
            return null;
        }

        var input = Math.Max(1, (int)Math.Round(meanInput));
        var output = Math.Max(1, (int)Math.Round(meanOutput));
        var budget = Math.Max(1, llm.MaxBatchedTokens);
        var ttft = llm.Step.RequestOverheadSeconds;
        for (var done = 0; done < input; done += budget)
        {
            var chunk = Math.Min(budget, input - done);
            ttft += llm.Step.StepSeconds(new LlmBatch(0, 0, chunk, 1, chunk * (done + ((chunk + 1) / 2.0)), done));
        }

        var alone = ttft;
        for (var k = 1; k < output; k++)
        {
            alone += llm.Step.StepSeconds(LlmBatch.Decode(1, input + k - 1));
        }

        var rho = rate / capacity;
        return new ClosedFormEstimate
        {
            Name = "processor sharing (continuous batching)",
            Exact = false,
            Basis = string.Create(CultureInfo.InvariantCulture,
                $"a mean request alone ({input:N0} prompt and {output:N0} output tokens) takes {alone * 1000:N0} ms; at {rho:P0} of the pool's capacity ({capacity:G4} requests/s) it is stretched by 1/(1 − ρ). Decoding is memory-bound, so a step with more sequences takes barely longer: below saturation the simulation is faster than this"),
            MeanLatencyMs = alone / (1 - rho) * 1000,
            MeanTtftMs = ttft * 1000,
        };
    }
}

/// <summary>An analytic estimate beside a run: which result, whether it is exact for this fleet, and its figures (ms, shares).</summary>
public sealed record ClosedFormEstimate
{
    public required string Name { get; init; }

    /// <summary>True when the result is exact for the simulated fleet (then the simulation must agree within its error).</summary>
    public required bool Exact { get; init; }

    /// <summary>What the estimate assumes, and why the simulation may differ from it.</summary>
    public required string Basis { get; init; }

    public double? ProbabilityOfWait { get; init; }
    public double? MeanWaitMs { get; init; }
    public double? MeanLatencyMs { get; init; }
    public double? P99LatencyMs { get; init; }
    public double? Utilization { get; init; }
    public double? MeanBatchSize { get; init; }

    /// <summary>For continuous batching: a mean request's time to first token alone on a replica (no queueing).</summary>
    public double? MeanTtftMs { get; init; }

    /// <summary>Each figure the estimate gives beside the simulated one: name, theory, simulation, (simulation − theory) / theory.</summary>
    public IReadOnlyList<(string Figure, double Theory, double Simulated, double Difference)> Against(SimulationResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var rows = new List<(string, double, double, double)>();
        void Add(string figure, double? theory, double simulated)
        {
            if (theory is { } t && double.IsFinite(t))
            {
                rows.Add((figure, t, simulated, t != 0 ? (simulated - t) / t : 0));
            }
        }

        Add("P(wait)", ProbabilityOfWait, result.ProbabilityOfWait);
        Add("mean wait", MeanWaitMs, result.WaitMs.Mean);
        Add("mean latency", MeanLatencyMs, result.LatencyMs.Mean);
        Add("p99 latency", P99LatencyMs, result.LatencyMs.P99);
        Add("mean batch", MeanBatchSize, result.MeanBatchSize);
        return rows;
    }
}
