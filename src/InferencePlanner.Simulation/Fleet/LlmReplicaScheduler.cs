using InferencePlanner.Core.Llm;
using InferencePlanner.Simulation.Kernel;
using InferencePlanner.Simulation.Metrics;

namespace InferencePlanner.Simulation.Fleet;

/// <summary>
/// Continuous batching on generative pools, iteration by iteration (as vLLM schedules): every running sequence past
/// its prompt decodes one token (the youngest is preempted and sent back to recompute when the cache is full); the
/// rest of the token budget continues chunked prefills, then admits waiting requests while the cache has room. One
/// event per iteration of a replica, whatever its batch. Keeps the cache, waiting-line and running-sequence
/// integrals over the measured window. Stateless itself: every pool's state is an <see cref="LlmPoolState"/>.
/// </summary>
internal sealed class LlmReplicaScheduler(EventQueue events, MeasurementWindow window, QueryRecorder recorder)
{
    /// <summary>Tokens per KV-cache block: prefixes are reused in whole blocks (vLLM's default block size).</summary>
    public const int PrefixBlockTokens = 16;

    private readonly TimeSeriesRecorder? _series = recorder.Series;

    /// <summary>A request arrives with its tokens: refused if it could never fit one replica's cache or the line is full.</summary>
    public void Admit(LlmPoolState pool, double t, QueryTag tag, bool measured, int inputTokens, int outputTokens, int prefixGroup = -1, int prefixTokens = 0)
    {
        Advance(pool, t);
        if (inputTokens + outputTokens > pool.KvCapacity || pool.Waiting.Count >= pool.MaxQueue)
        {
            if (measured)
            {
                recorder.Rejected(pool.Metrics, tag.Class);
            }

            return;
        }

        var seq = pool.Rent();
        seq.Arrival = t;
        seq.Tag = tag;
        seq.Prompt = inputTokens;
        seq.Output = outputTokens;
        seq.PrefixGroup = pool.PrefixCaching ? prefixGroup : -1;
        seq.PrefixTokens = prefixTokens;
        pool.Waiting.AddLast(seq);
        for (var r = 0; r < pool.Replicas.Length; r++)
        {
            if (!pool.Replicas[r].Busy)
            {
                PlanIteration(pool, r, t);
                return;
            }
        }
    }

    public void OnIterationEnd(LlmPoolState pool, int replicaIndex, double t)
    {
        Advance(pool, t);
        var replica = pool.Replicas[replicaIndex];
        var running = replica.Running;
        var (kvBefore, runningBefore) = (replica.KvUsed, running.Count);
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
                if (seq.PrefixGroup >= 0)
                {
                    // The prefix's whole blocks computed so far: later requests of the group on this replica find them.
                    var blocks = Math.Min(seq.Prefilled, seq.PrefixTokens) / PrefixBlockTokens * PrefixBlockTokens;
                    if (blocks > 0 && (!replica.CachedPrefixes.TryGetValue(seq.PrefixGroup, out var held) || held < blocks))
                    {
                        replica.CachedPrefixes[seq.PrefixGroup] = blocks;
                    }
                }

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
                pool.Return(seq);
            }
        }

        pool.KvUsed += replica.KvUsed - kvBefore;
        pool.RunningCount += running.Count - runningBefore;
        PlanIteration(pool, replicaIndex, t);
    }

    /// <summary>Waiting and running requests per replica, for routing by load.</summary>
    public static double Load(LlmPoolState pool) => (double)(pool.Waiting.Count + pool.RunningCount) / pool.Replicas.Length;

    /// <summary>The window opens at <paramref name="t"/>: integrals start there, and iterations in flight count from there.</summary>
    public void OpenWindow(LlmPoolState pool, double t)
    {
        Advance(pool, t);
        for (var r = 0; r < pool.Replicas.Length; r++)
        {
            var replica = pool.Replicas[r];
            if (replica.Busy && replica.BusyUntil > t)
            {
                pool.Metrics.BusySeconds[r] += replica.BusyUntil - t;
                pool.Metrics.ActiveSeconds += (replica.BusyUntil - t) * replica.Activity;
                _series?.Busy(t, replica.BusyUntil);
            }
        }
    }

    /// <summary>The window closes at <paramref name="t"/>: integrals stop there, and iterations in flight are cut there.</summary>
    public void CloseWindow(LlmPoolState pool, double t)
    {
        Advance(pool, t);
        for (var r = 0; r < pool.Replicas.Length; r++)
        {
            var replica = pool.Replicas[r];
            if (replica.Busy && replica.BusyUntil > t)
            {
                pool.Metrics.BusySeconds[r] -= replica.BusyUntil - t;
                pool.Metrics.ActiveSeconds -= (replica.BusyUntil - t) * replica.Activity;
            }
        }
    }

    /// <summary>Plans and starts the replica's next iteration, or leaves it idle when it has nothing to do.</summary>
    private void PlanIteration(LlmPoolState pool, int replicaIndex, double t)
    {
        var replica = pool.Replicas[replicaIndex];
        var running = replica.Running;
        var (kvBefore, runningBefore) = (replica.KvUsed, running.Count);

        var decoding = 0;
        foreach (var seq in running)
        {
            if (seq.Prefilled == seq.Prompt)
            {
                decoding++;
            }
        }

        while (decoding > 0 && replica.KvUsed + decoding > pool.KvCapacity)
        {
            var victim = running[^1];
            running.RemoveAt(running.Count - 1);
            replica.KvUsed -= victim.Kv;
            if (victim.Prefilled == victim.Prompt)
            {
                decoding--;

                // Recompute: a decoding sequence prefills its prompt and what it generated again.
                victim.Prompt = (int)victim.Kv;
            }

            // A half-prefilled one starts its prompt over.
            victim.Prefilled = 0;
            victim.Kv = 0;
            pool.Waiting.AddFirst(victim);
            pool.Llm.Preemptions++;
            if (window.IsOpen)
            {
                _series?.Preemption(t);
            }


            // Memory ran short: the engine evicts cached blocks no running request holds first (conservatively, all).
            replica.CachedPrefixes.Clear();
        }

        int decodes = 0, prefills = 0;
        double context = 0, prefillTokens = 0, pairs = 0, past = 0;
        var budget = pool.MaxBatchedTokens;
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
                var chunk = (int)Math.Min(Math.Min(seq.Prompt - seq.Prefilled, budget), pool.KvCapacity - replica.KvUsed);
                if (chunk <= 0)
                {
                    continue;
                }

                Prefill(seq, chunk, ref prefillTokens, ref pairs, ref past);
                prefills++;
                replica.KvUsed += chunk;
                budget -= chunk;
            }
        }

        // Under async scheduling this iteration was planned when the last one started: a request that arrived since
        // waits for the next, unless nothing else runs (an idle engine plans at once).
        var admitBefore = pool.AsyncScheduling && running.Count > 0 ? replica.IterationStart : double.PositiveInfinity;
        while (budget > 0 && running.Count < pool.MaxSequences && pool.Waiting.Count > 0 && pool.Waiting.First.Arrival <= admitBefore)
        {
            var next = pool.Waiting.First;
            var chunk = Math.Min(next.Prompt, budget);
            // Admit only when the whole prompt will fit beside what runs.
            if (replica.KvUsed + next.Prompt > pool.KvCapacity)
            {
                break;
            }

            pool.Waiting.RemoveFirst();
            if (double.IsNaN(next.Admitted))
            {
                next.Admitted = t;
            }

            running.Add(next);
            if (next.PrefixGroup >= 0 && next.Prefilled == 0)
            {
                // A shared prefix already in this replica's cache is not prefilled again: its whole blocks are reused
                // (at least one prompt token is always computed).
                var cached = replica.CachedPrefixes.TryGetValue(next.PrefixGroup, out var held)
                    ? Math.Min(Math.Min(held, next.PrefixTokens / PrefixBlockTokens * PrefixBlockTokens), next.Prompt - 1)
                    : 0;
                if (window.IsOpen && window.IsMeasured(next.Tag.Index))
                {
                    pool.Llm.PrefixLookups++;
                    pool.Llm.PrefixHits += cached > 0 ? 1 : 0;
                }

                if (cached > 0)
                {
                    next.Prefilled = cached;
                    next.Kv = cached;
                    replica.KvUsed += cached;
                    chunk = Math.Min(next.Prompt - cached, budget);
                }
            }

            Prefill(next, chunk, ref prefillTokens, ref pairs, ref past);
            prefills++;
            replica.KvUsed += chunk;
            budget -= chunk;
        }

        pool.KvUsed += replica.KvUsed - kvBefore;
        pool.RunningCount += running.Count - runningBefore;
        if (decodes == 0 && prefillTokens == 0)
        {
            replica.Busy = false;
            return;
        }

        replica.Busy = true;
        pool.Llm.Iterations++;
        pool.Llm.PeakKvUsed = Math.Max(pool.Llm.PeakKvUsed, replica.KvUsed);
        var (seconds, activity) = pool.Step.Iteration(new LlmBatch(decodes, context, prefillTokens, prefills, pairs, past));
        replica.BusyUntil = t + seconds;
        replica.IterationStart = t;
        replica.Activity = activity;
        if (window.IsOpen)
        {
            pool.Llm.MeasuredIterations++;
            pool.Llm.PrefillTokens += prefillTokens;
            pool.Llm.DecodeTokens += decodes;
            _series?.Step(t, prefillTokens, decodes);
            pool.Metrics.BusySeconds[replicaIndex] += seconds;
            pool.Metrics.ActiveSeconds += seconds * replica.Activity;
            _series?.Busy(t, t + seconds);
        }

        events.Push(t + seconds, EventKind.LlmIterationEnd, pool.Index, replicaIndex);
    }

    private static void Prefill(LlmSequence seq, int chunk, ref double prefillTokens, ref double pairs, ref double past)
    {
        seq.Chunk = chunk;
        pairs += chunk * (seq.Prefilled + ((chunk + 1) / 2.0));
        past += seq.Prefilled;
        prefillTokens += chunk;
        seq.Kv += chunk;
    }

    private void CountToken(LlmPoolState pool, LlmSequence seq)
    {
        if (window.IsOpen && window.IsMeasured(seq.Tag.Index))
        {
            pool.Llm.OutputTokens++;
        }
    }

    private void Complete(LlmPoolState pool, LlmSequence seq, double t)
    {
        if (!window.IsMeasured(seq.Tag.Index))
        {
            return;
        }

        // The engine's cost per request (API, tokenization, streaming) delays what the client sees by a constant: it
        // shifts every arrival alike, so the engine's own schedule is unchanged and it is added here.
        var overhead = pool.RequestOverheadSeconds;
        var ttft = seq.FirstToken - seq.Arrival + overhead;
        var tpot = seq.Output > 1 ? (t - seq.FirstToken) / (seq.Output - 1) : 0;
        pool.Llm.Ttft.Record(ttft * 1000);
        if (seq.Output > 1)
        {
            pool.Llm.Tpot.Record(tpot * 1000);
        }

        var latency = t - seq.Arrival + overhead;
        recorder.Served(pool.Metrics, seq.Tag, seq.Arrival, seq.Admitted - seq.Arrival, latency, t, batchSize: 1,
            otherTargetsMet: ttft <= pool.SloTtftSeconds && tpot <= pool.SloTpotSeconds);
    }

    /// <summary>
    /// Integrates the pool's cache share, its waiting line and its running sequences up to <paramref name="t"/> while
    /// the window is open. Every change to them happens at an arrival or an iteration's end, right after this call.
    /// </summary>
    private void Advance(LlmPoolState pool, double t)
    {
        var llm = pool.Llm;
        if (window.IsOpen)
        {
            var dt = t - llm.LastChange;
            if (dt > 0)
            {
                llm.AreaKvShare += pool.KvUsed / ((double)pool.KvCapacity * pool.Replicas.Length) * dt;
                pool.Metrics.AreaQueue += pool.Waiting.Count * dt;
                pool.Metrics.AreaInService += pool.RunningCount * dt;
                _series?.LlmState(llm.LastChange, t, pool.KvUsed, pool.RunningCount);
            }
        }

        llm.LastChange = t;
    }
}
