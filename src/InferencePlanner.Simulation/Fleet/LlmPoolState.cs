using InferencePlanner.Core.Llm;
using InferencePlanner.Simulation.Metrics;

namespace InferencePlanner.Simulation.Fleet;

/// <summary>A generative request: its tokens, and where it stands.</summary>
internal sealed class LlmSequence
{
    public double Arrival;
    public long Tag;
    public int Prompt;          // tokens to prefill (after a preemption: the prompt and what was generated)
    public int Output;          // tokens to generate in all
    public int Generated;
    public int Prefilled;
    public long Kv;             // cache tokens held
    public double FirstToken = double.NaN;
    public double Admitted = double.NaN;
    public int Chunk;           // prompt tokens in the iteration in flight
    public bool Decoding;       // decodes a token in the iteration in flight
}

/// <summary>One replica: the sequences it runs and the cache they hold.</summary>
internal sealed class LlmReplica
{
    public readonly List<LlmSequence> Running = [];
    public long KvUsed;
    public bool Busy;
}

/// <summary>
/// A generative-LLM pool in one replication: a shared FIFO of waiting requests and replicas that each run
/// iteration after iteration of continuous batching (one simulation event per iteration for the whole batch).
/// </summary>
internal sealed class LlmPoolState
{
    public LlmPoolState(ILlmStepTimes step, long kvCapacity, int maxBatchedTokens, int maxSequences, int replicas, double sloTtftSeconds, double sloTpotSeconds)
    {
        Step = step;
        KvCapacity = kvCapacity;
        MaxBatchedTokens = maxBatchedTokens;
        MaxSequences = maxSequences;
        SloTtftSeconds = sloTtftSeconds;
        SloTpotSeconds = sloTpotSeconds;
        Replicas = Enumerable.Range(0, replicas).Select(_ => new LlmReplica()).ToArray();
    }

    public readonly ILlmStepTimes Step;
    public readonly long KvCapacity;
    public readonly int MaxBatchedTokens;
    public readonly int MaxSequences;
    public readonly double SloTtftSeconds;
    public readonly double SloTpotSeconds;
    public readonly LlmReplica[] Replicas;
    public readonly LinkedList<LlmSequence> Waiting = new();

    public readonly LatencyHistogram Ttft = new();
    public readonly LatencyHistogram Tpot = new();
    public long OutputTokens;
    public long Preemptions;
    public long Good;
    public long Iterations;
    public long PeakKvUsed;
    public double AreaKvShare;
    public double AreaRunning;
    public double LastChange;

    /// <summary>Tokens held in all replicas' caches (a plain loop: this runs on every iteration).</summary>
    public long KvUsed
    {
        get
        {
            long total = 0;
            foreach (var replica in Replicas)
            {
                total += replica.KvUsed;
            }

            return total;
        }
    }

    public int RunningCount
    {
        get
        {
            var total = 0;
            foreach (var replica in Replicas)
            {
                total += replica.Running.Count;
            }

            return total;
        }
    }
}
