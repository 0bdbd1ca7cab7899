using InferencePlanner.Core.Llm;
using InferencePlanner.Simulation.Engine;
using InferencePlanner.Simulation.Metrics;

namespace InferencePlanner.Simulation.Fleet;

/// <summary>A generative request: its tokens, and where it stands. Reused once it leaves (see <see cref="LlmPoolState.Rent"/>).</summary>
internal sealed class LlmSequence
{
    public double Arrival;
    public QueryTag Tag;
    public int Prompt;          // tokens to prefill (after a preemption: the prompt and what was generated)
    public int Output;          // tokens to generate in all
    public int Generated;
    public int Prefilled;
    public long Kv;             // cache tokens held
    public double FirstToken;
    public double Admitted;
    public int Chunk;           // prompt tokens in the iteration in flight
    public bool Decoding;       // decodes a token in the iteration in flight
    public int PrefixGroup;     // the shared prefix its prompt opens with, or -1
    public int PrefixTokens;    // tokens of that prefix
}

/// <summary>One replica: the sequences it runs, the cache they hold, and the iteration in flight.</summary>
internal sealed class LlmReplica
{
    public readonly List<LlmSequence> Running = [];
    public long KvUsed;
    public bool Busy;

    /// <summary>When the iteration in flight ends.</summary>
    public double BusyUntil;

    /// <summary>When the iteration in flight (or the last one) started: under async scheduling, when the next was planned.</summary>
    public double IterationStart;

    /// <summary>The power activity of the iteration in flight (see <see cref="Core.Economics.PowerModel"/>).</summary>
    public double Activity;

    /// <summary>The shared prefixes this replica holds in its cache: by group, the whole-block tokens of it computed.</summary>
    public readonly Dictionary<int, int> CachedPrefixes = [];
}

/// <summary>
/// A generative-LLM pool in one replication: a shared FIFO of waiting requests and replicas that each run
/// iteration after iteration of continuous batching (one simulation event per iteration for the whole batch).
/// Requests are objects reused from a free list, and the line is a ring, so that the hot path allocates nothing
/// once the pool has seen its busiest moment.
/// </summary>
internal sealed class LlmPoolState
{
    private LlmSequence[] _free = new LlmSequence[16];
    private int _freeCount;

    /// <param name="sloTtftSeconds">The time-to-first-token target a request must meet to count as good (+∞ for none).</param>
    /// <param name="sloTpotSeconds">Likewise, the time per output token after the first.</param>
    /// <param name="prefixGroups">Shared prompt prefixes of the workload (0 for none).</param>
    public LlmPoolState(int index, PoolModel pool, LlmPoolModel llm, double sloTtftSeconds, double sloTpotSeconds, int prefixGroups = 0)
    {
        Index = index;
        MaxQueue = pool.MaxQueueLength;
        Step = llm.Step;
        RequestOverheadSeconds = llm.Step.RequestOverheadSeconds;
        KvCapacity = llm.KvCapacityTokens;
        MaxBatchedTokens = llm.MaxBatchedTokens;
        MaxSequences = llm.MaxSequences;
        SloTtftSeconds = sloTtftSeconds;
        SloTpotSeconds = sloTpotSeconds;
        PrefixCaching = llm.PrefixCaching && prefixGroups > 0;
        AsyncScheduling = llm.AsyncScheduling;
        Replicas = Enumerable.Range(0, pool.Servers).Select(_ => new LlmReplica()).ToArray();
        Metrics = new PoolMetrics(index, pool.Servers, 1);
    }

    public readonly int Index;
    public readonly int MaxQueue;
    public readonly ILlmStepTimes Step;
    public readonly double RequestOverheadSeconds;
    public readonly long KvCapacity;
    public readonly int MaxBatchedTokens;
    public readonly int MaxSequences;
    public readonly double SloTtftSeconds;
    public readonly double SloTpotSeconds;
    public readonly bool PrefixCaching;
    public readonly bool AsyncScheduling;
    public readonly LlmReplica[] Replicas;
    public readonly SequenceLine Waiting = new();
    public readonly PoolMetrics Metrics;
    public readonly LlmMetrics Llm = new();

    /// <summary>Cache tokens held by all replicas together (kept as they change: read on every event).</summary>
    public long KvUsed;

    /// <summary>Sequences running on all replicas together.</summary>
    public int RunningCount;

    /// <summary>A request object to fill in: a returned one when there is one.</summary>
    public LlmSequence Rent()
    {
        var seq = _freeCount > 0 ? _free[--_freeCount] : new LlmSequence();
        seq.Generated = 0;
        seq.Prefilled = 0;
        seq.Kv = 0;
        seq.Chunk = 0;
        seq.Decoding = false;
        seq.FirstToken = double.NaN;
        seq.Admitted = double.NaN;
        seq.PrefixGroup = -1;
        seq.PrefixTokens = 0;
        return seq;
    }

    /// <summary>A request that has left: its object is reused.</summary>
    public void Return(LlmSequence seq)
    {
        if (_freeCount == _free.Length)
        {
            Array.Resize(ref _free, _free.Length * 2);
        }

        _free[_freeCount++] = seq;
    }
}

/// <summary>Waiting requests: a FIFO ring whose front also takes preempted requests back.</summary>
internal sealed class SequenceLine
{
    private LlmSequence[] _items = new LlmSequence[16];
    private int _head;

    public int Count { get; private set; }

    public LlmSequence First => _items[_head];

    public void AddLast(LlmSequence seq)
    {
        EnsureRoom();
        _items[(_head + Count) & (_items.Length - 1)] = seq;
        Count++;
    }

    public void AddFirst(LlmSequence seq)
    {
        EnsureRoom();
        _head = (_head - 1) & (_items.Length - 1);
        _items[_head] = seq;
        Count++;
    }

    public LlmSequence RemoveFirst()
    {
        var seq = _items[_head];
        _items[_head] = null!;
        _head = (_head + 1) & (_items.Length - 1);
        Count--;
        return seq;
    }

    private void EnsureRoom()
    {
        if (Count < _items.Length)
        {
            return;
        }

        var grown = new LlmSequence[_items.Length * 2];
        for (var i = 0; i < Count; i++)
        {
            grown[i] = _items[(_head + i) & (_items.Length - 1)];
        }

        _items = grown;
        _head = 0;
    }
}
