using InferencePlanner.Core.Llm;

namespace InferencePlanner.Simulation.Engine;

/// <summary>
/// The most requests per second one replica of a generative pool can serve, before a run: at most N sequences at
/// once (its maxSequences, or as many as its KV cache holds at their mean occupancy, prompt + half the output), each
/// decoding one token per iteration, iterations also carrying the prefill of the new requests (within the token
/// budget); the rate where the N sequences' tokens just cover the demand. A fixed point of
/// λ = N / (output × t_step(N decodes + λ × prefill × t_step)).
/// </summary>
public static class LlmCapacity
{
    public sealed record Estimate(double RequestsPerSecond, int Sequences, string LimitedBy, double StepSeconds);

    public static Estimate PerReplica(LlmPoolModel llm, double meanInput, double meanOutput, double cachedPrefixTokens = 0)
    {
        ArgumentNullException.ThrowIfNull(llm);
        var occupancy = Math.Max(1, meanInput + (meanOutput / 2));
        var byCache = (int)Math.Min(int.MaxValue, llm.KvCapacityTokens / occupancy);
        var sequences = Math.Max(1, Math.Min(llm.MaxSequences, Math.Min(byCache, llm.MaxBatchedTokens)));
        var limitedBy = sequences == llm.MaxSequences ? $"maxSequences {llm.MaxSequences}"
            : sequences == byCache ? $"the KV cache ({llm.KvCapacityTokens:N0} tokens holds {byCache:N0} requests of {occupancy:N0} tokens on average)"
            : $"maxBatchedTokens {llm.MaxBatchedTokens}";
        var prefill = Math.Max(1, meanInput - cachedPrefixTokens);
        var output = Math.Max(1, meanOutput);
        double rate = 0, step = 0, prefillPerStep = 0;
        for (var i = 0; i < 50; i++)
        {
            var chunk = Math.Min(prefillPerStep, Math.Max(0, llm.MaxBatchedTokens - sequences));
            var batch = new LlmBatch(sequences, sequences * occupancy, chunk, chunk > 0 ? 1 : 0, chunk * (cachedPrefixTokens + (chunk / 2)), chunk > 0 ? cachedPrefixTokens : 0);
            step = llm.Step.StepSeconds(batch);
            var next = sequences / (output * step);
            prefillPerStep = next * prefill * step;
            if (Math.Abs(next - rate) <= 1e-9 * next)
            {
                rate = next;
                break;
            }

            rate = next;
        }

        return new Estimate(rate, sequences, limitedBy, step);
    }
}
