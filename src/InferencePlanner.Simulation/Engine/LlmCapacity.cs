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
        // Decodes come first in an iteration's token budget; a prompt needs at least one token of what is left.
        var sequences = Math.Max(1, Math.Min(llm.MaxSequences, Math.Min(byCache, llm.MaxBatchedTokens - 1)));
        var limitedBy = sequences == llm.MaxSequences ? $"maxSequences {llm.MaxSequences}"
            : sequences == byCache ? $"the KV cache ({llm.KvCapacityTokens:N0} tokens holds {byCache:N0} requests of {occupancy:N0} tokens on average)"
            : $"maxBatchedTokens {llm.MaxBatchedTokens}";
        var prefill = Math.Max(1, meanInput - cachedPrefixTokens);
        var output = Math.Max(1, meanOutput);
        var room = Math.Max(0, llm.MaxBatchedTokens - sequences);
        double rate = 0, step = 0;
        for (var i = 0; i < 50; i++)
        {
            // Each iteration carries the prompts that arrive during it, each prompt attending to its cached prefix.
            var prompts = rate * step;
            var chunk = Math.Min(prompts * prefill, room);
            var pairs = chunk > 0 ? chunk * (cachedPrefixTokens + ((prefill + 1) / 2)) : 0;
            var batch = new LlmBatch(sequences, sequences * occupancy, chunk, chunk > 0 ? Math.Max(1, (int)Math.Ceiling(prompts)) : 0, pairs, chunk > 0 ? prompts * cachedPrefixTokens : 0);
            step = llm.Step.StepSeconds(batch);
            // As many requests a second as the sequences' tokens finish, and no more than the budget's room prefills.
            var next = Math.Min(sequences / (output * step), room / (prefill * step));
            if (Math.Abs(next - rate) <= 1e-9 * next)
            {
                rate = next;
                break;
            }

            rate = next;
        }

        if (room / (prefill * step) < sequences / (output * step))
        {
            limitedBy = $"maxBatchedTokens {llm.MaxBatchedTokens} (room for {room:N0} prompt tokens an iteration)";
        }

        return new Estimate(rate, sequences, limitedBy, step);
    }
}
