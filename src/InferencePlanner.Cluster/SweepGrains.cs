using System.Text.Json;
using InferencePlanner.Core.Catalog;
using InferencePlanner.Core.Profiles;
using InferencePlanner.Core.Scenarios;
using InferencePlanner.Planning.Sweeps;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace InferencePlanner.Cluster;

/// <summary>
/// One chunk of a sweep (a variant's replication, or a whole sized or forecast variant), keyed
/// "{sweep}/{index}/{chunk}/{attempt}" so that chunks spread over the silos; its work is <see cref="SweepRunner.Chunk"/>.
/// </summary>
public interface IChunkGrain : IGrainWithStringKey
{
    /// <summary>The chunk as JSON (<see cref="SweepChunk"/>): a pure function of the scenario, the mode and the chunk's number.</summary>
    /// <remarks>
    /// A cancelled <paramref name="cancellation"/> (the sweep was cancelled) stops the simulation where it is. A chunk may
    /// compute (and wait for a slot) far longer than Orleans' default 30 s response timeout: a dead silo's calls fail when
    /// the cluster declares it dead, not by timing out.
    /// </remarks>
    /// <param name="data">The digest of the catalog and profiles the sweep was started under (<see cref="SweepData"/>), or null for the silo's own.</param>
    [ResponseTimeout("12:00:00")]
    Task<string> RunAsync(string scenarioJson, string label, string mode, int replications, int index, int chunk, string? data, CancellationToken cancellation = default);
}

/// <summary>A sweep's coordinator: expands it, runs its variants on variant grains, keeps each row as it lands.</summary>
public interface ISweepGrain : IGrainWithGuidKey
{
    /// <summary>
    /// Starts the sweep (a second start of the same sweep does nothing): null, or a bad document's problems in words
    /// ("$.axes: …"), refused before anything runs. With <paramref name="data"/> (a digest stored in the cluster by
    /// <see cref="ISweepDataGrain"/>) every variant is expanded and computed with that catalog and those profiles.
    /// </summary>
    Task<string?> StartAsync(string sweepJson, int maxVariants, string? data = null);

    Task<SweepStatus> GetStatusAsync();

    /// <summary>Stops issuing variants; those in flight finish and are dropped.</summary>
    Task CancelAsync();

    /// <summary>The silo this coordinator runs on (for tests that stop another).</summary>
    Task<string> GetSiloAsync();
}

/// <summary>
/// Where a sweep stands: <c>running</c>, <c>done</c> or <c>cancelled</c>; variants and chunks (variant × replication)
/// in all and done; the rows so far (done ones in index order) as the result JSON.
/// </summary>
[GenerateSerializer]
public sealed record SweepStatus(
    [property: Id(0)] string State,
    [property: Id(1)] int Total,
    [property: Id(2)] int Done,
    [property: Id(3)] string ResultJson,
    [property: Id(4)] int Chunks = 0,
    [property: Id(5)] int ChunksDone = 0);

/// <summary>
/// A sweep's persisted state: its document (the variants are expanded from it again by a fresh activation, so each
/// write carries the rows and chunks, not every variant's scenario), each variant's chunk count, and the rows and
/// chunks that have landed (null where not yet).
/// </summary>
[GenerateSerializer]
public sealed class SweepState
{
    [Id(0)] public string Mode { get; set; } = SweepDocument.Simulate;

    /// <summary>Each variant's replications (the sweep's, or a <c>replications</c> axis's value).</summary>
    [Id(1)] public List<int> Replications { get; set; } = [];

    /// <summary>The sweep document as started.</summary>
    [Id(2)] public string Document { get; set; } = string.Empty;

    /// <summary>The variant limit it was started under (its expansion is repeated under the same).</summary>
    [Id(3)] public int MaxVariants { get; set; } = SweepDocument.DefaultMaxVariants;

    [Id(4)] public List<string?> Rows { get; set; } = [];
    [Id(5)] public bool Cancelled { get; set; }

    /// <summary>Each variant's chunks: its replications when simulated, its months × growth bands when forecast, one when sized.</summary>
    [Id(6)] public List<int> ChunkCounts { get; set; } = [];

    /// <summary>The chunks that have landed, variant i's chunk c at <see cref="Offset"/>(i) + c; dropped once their row is joined.</summary>
    [Id(7)] public List<string?> Chunks { get; set; } = [];

    /// <summary>The digest of the catalog and profiles the sweep computes with (<see cref="SweepData"/>), or null for each silo's own.</summary>
    [Id(8)] public string? Data { get; set; }

    [NonSerialized]
    private int[]? _offsets;

    /// <summary>Where variant <paramref name="index"/>'s chunks start in <see cref="Chunks"/> (the counts before it, summed).</summary>
    public int Offset(int index)
    {
        if (_offsets is null || _offsets.Length != ChunkCounts.Count)
        {
            _offsets = new int[ChunkCounts.Count];
            for (var i = 1; i < _offsets.Length; i++)
            {
                _offsets[i] = _offsets[i - 1] + ChunkCounts[i - 1];
            }
        }

        return _offsets[index];
    }

    /// <summary>Variants in the sweep (0 before it starts).</summary>
    public int Count => Rows.Count;

    /// <summary>The state of a sweep not yet run: every row and chunk missing.</summary>
    public static SweepState Fresh(string document, int maxVariants, string mode, IReadOnlyList<int> replications, IReadOnlyList<int> chunkCounts, string? data = null)
    {
        ArgumentNullException.ThrowIfNull(chunkCounts);
        return new SweepState
        {
            Mode = mode,
            Replications = [.. replications],
            Document = document,
            MaxVariants = maxVariants,
            Rows = [.. replications.Select(_ => (string?)null)],
            ChunkCounts = [.. chunkCounts],
            Chunks = [.. Enumerable.Repeat((string?)null, chunkCounts.Sum())],
            Data = data,
        };
    }

    /// <summary>
    /// Takes in what another writer (a second activation during churn, or an earlier one) stored: every row and chunk
    /// either holds, and a cancel from either. Rows and chunks are pure functions of the sweep, so the union is safe.
    /// </summary>
    public void Absorb(SweepState other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (Count == 0)
        {
            (Mode, Replications, Document, MaxVariants, Rows, ChunkCounts, Chunks, Cancelled, Data) =
                (other.Mode, other.Replications, other.Document, other.MaxVariants, other.Rows, other.ChunkCounts, other.Chunks, other.Cancelled, other.Data);
            _offsets = null;
            return;
        }

        if (other.Document != Document || other.Data != Data || !other.ChunkCounts.SequenceEqual(ChunkCounts) || other.Chunks.Count != Chunks.Count)
        {
            return;
        }

        Cancelled |= other.Cancelled;
        for (var i = 0; i < Rows.Count; i++)
        {
            Rows[i] ??= other.Rows[i];
            for (var c = 0; c < ChunkCounts[i]; c++)
            {
                var at = Offset(i) + c;
                Chunks[at] = Rows[i] is null ? Chunks[at] ?? other.Chunks[at] : null;
            }
        }
    }

    public int ChunksDone(int index) => Rows[index] is not null ? ChunkCounts[index] : Enumerable.Range(0, ChunkCounts[index]).Count(c => Chunks[Offset(index) + c] is not null);
}

/// <summary>
/// How many chunks one silo computes at once. A silo in a cluster leaves one core free so that it answers membership
/// probes in time even when every other core simulates; a lone embedded silo has no peers to answer and uses them all.
/// </summary>
public sealed class ChunkSlots(int slots)
{
    public int Count { get; } = Math.Max(1, slots);

    public SemaphoreSlim Gate { get; } = new(Math.Max(1, slots));

    /// <summary>Chunks computing on this silo now.</summary>
    public int Busy => Count - Gate.CurrentCount;

    public static int ForCluster => Math.Max(1, Environment.ProcessorCount - 1);
}

public sealed class ChunkGrain(DeviceCatalog catalog, ProfileStore profiles, ChunkSlots slots, SweepData sweepData) : Grain, IChunkGrain
{
    public async Task<string> RunAsync(string scenarioJson, string label, string mode, int replications, int index, int chunk, string? data, CancellationToken cancellation = default)
    {
        if (data is not null)
        {
            (catalog, profiles) = await sweepData.GetAsync(data, GrainFactory);
        }

        // The simulation runs on a thread of its own, at most the silo's slots at once: never on the scheduler's or the
        // thread pool's threads, which stay free to answer probes, polls and cancels however long it computes.
        await slots.Gate.WaitAsync(cancellation);
        try
        {
            var result = await Task.Factory.StartNew(
                () => new SweepRunner(catalog, profiles).Chunk(index, label, ScenarioJson.Parse(scenarioJson), mode, replications, chunk, cancellation: cancellation),
                cancellation,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default);
            return JsonSerializer.Serialize(result, SweepJson.Options);
        }
        finally
        {
            slots.Gate.Release();
            // One chunk's work is done: the activation has nothing more to keep.
            DeactivateOnIdle();
        }
    }
}

public sealed class SweepGrain(
    [PersistentState("sweep", SweepGrain.Storage)] IPersistentState<SweepState> state,
    DeviceCatalog catalog,
    ProfileStore profiles,
    SweepData sweepData,
    ILogger<SweepGrain> logger) : Grain, ISweepGrain, IDisposable
{
    /// <summary>The grain storage a cluster registers for sweeps.</summary>
    public const string Storage = "sweeps";

    /// <summary>Chunks in flight at once per sweep: enough to keep every silo busy, few enough that a cancel stops soon.</summary>
    public const int InFlight = 12;

    /// <summary>
    /// How long a chunk call that fails in the cluster (its silo died, a timeout) keeps being tried again, further apart
    /// each time (up to <see cref="MaxBackoff"/>): long enough for the others to declare a dead silo dead and stop
    /// routing to it. The chunk is pure, so a repeat is harmless.
    /// </summary>
    public static readonly TimeSpan RetryWindow = TimeSpan.FromMinutes(2);

    public static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);

    /// <summary>How long a running coordinator is kept past each landed chunk, polled or not.</summary>
    public static readonly TimeSpan KeepAlive = TimeSpan.FromMinutes(30);

    private Task? _running;

    /// <summary>Cancelled by <see cref="CancelAsync"/> or a deactivation: every chunk in flight stops where it is.</summary>
    private readonly CancellationTokenSource _cancel = new();

    /// <summary>Held around each read or write of the store.</summary>
    private readonly SemaphoreSlim _store = new(1, 1);

    /// <summary>Set when the activation deactivates: nothing more is issued or written.</summary>
    private bool _stopping;

    /// <summary>The last status read and the state's version it was read at: polls between two landings cost nothing.</summary>
    private (long Version, SweepStatus Status)? _status;

    /// <summary>Counts writes of the state (every change is followed by one).</summary>
    private long _version;

    /// <summary>Whether the catalog and profiles the sweep computes with are at hand (its own data read from the cluster, or none pinned).</summary>
    private bool _dataReady;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // A fresh activation of a sweep left unfinished (its silo died) picks up the rows not yet landed; a finished or
        // cancelled one only answers its status, from the rows it stored.
        if (state.State.Count > 0 && !state.State.Cancelled && state.State.Rows.Any(r => r is null))
        {
            await EnsureDataAsync();
            Resume();
        }
    }

    /// <summary>
    /// Reads the sweep's pinned catalog and profiles, once. Data the cluster does not hold (or not as stored) ends every
    /// missing row with the reason; a cluster that does not answer now is asked again at the next poll.
    /// </summary>
    private async Task EnsureDataAsync()
    {
        if (_dataReady || state.State.Data is not { } digest)
        {
            _dataReady = true;
            return;
        }

        try
        {
            (catalog, profiles) = await sweepData.GetAsync(digest, GrainFactory);
            _dataReady = true;
            // Variants expanded before (with the silo's own catalog, for a row saying why) are expanded again with it.
            _variants = null;
        }
        catch (InvalidOperationException ex)
        {
            logger.LogError("sweep {Sweep}: {Reason}", this.GetPrimaryKey(), ex.Message);
            if (state.State.Count > 0 && !state.State.Cancelled && state.State.Rows.Any(r => r is null))
            {
                for (var i = 0; i < state.State.Count; i++)
                {
                    state.State.Rows[i] ??= Failed(i, ex.Message);
                }

                await SaveAsync();
            }
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException)
        {
            logger.LogWarning("sweep {Sweep}: its catalog and profiles could not be read now ({Reason}); asked again at the next poll", this.GetPrimaryKey(), ex.GetType().Name);
        }
    }

    public async Task<string?> StartAsync(string sweepJson, int maxVariants, string? data = null)
    {
        if (state.State.Count > 0)
        {
            return null;
        }

        if (data is not null)
        {
            try
            {
                (catalog, profiles) = await sweepData.GetAsync(data, GrainFactory);
            }
            catch (InvalidOperationException ex)
            {
                return ex.Message;
            }
        }

        _dataReady = true;
        SweepSpec sweep;
        IReadOnlyList<SweepVariant> variants;
        try
        {
            sweep = SweepDocument.Parse(sweepJson);
            variants = SweepDocument.Expand(sweep, catalog, maxVariants);
        }
        catch (ScenarioException ex)
        {
            return string.Join("; ", ex.Errors.Select(e => e.ToString()));
        }

        var mode = sweep.Mode ?? SweepDocument.Simulate;
        state.State = SweepState.Fresh(
            sweepJson,
            maxVariants,
            mode,
            [.. variants.Select(v => v.Replications)],
            [.. variants.Select(v => SweepRunner.ChunksOf(v.Scenario, mode, v.Replications))],
            data);
        Remember(variants);
        await SaveAsync();
        Resume();
        return null;
    }

    public async Task<SweepStatus> GetStatusAsync()
    {
        if (_running is null or { IsCompleted: true } && !state.State.Cancelled && state.State.Rows.Any(r => r is null) && state.State.Count > 0)
        {
            // Nothing runs here yet rows are missing: take in what another activation stored, join what is complete, go on.
            await RefreshAsync();
            await EnsureDataAsync();
            if (JoinReady())
            {
                await SaveAsync();
            }

            Resume();
        }

        if (_status is { } cached && cached.Version == _version)
        {
            return cached.Status;
        }

        var s = state.State;
        var rows = s.Rows.Where(r => r is not null).ToList();
        var done = rows.Count;
        var finished = done == s.Count && s.Count > 0;
        // Rows so far are written as they are stored; only the finished table is read back, to mark its front.
        var result = finished
            ? JsonSerializer.Serialize(new SweepResult(s.Mode, SweepRunner.MarkFront([.. rows.Select(r => JsonSerializer.Deserialize<SweepRow>(r!, SweepJson.Options)!)])), SweepJson.Options)
            : SweepJson.Result(s.Mode, rows!);
        var chunksDone = Enumerable.Range(0, s.Count).Sum(s.ChunksDone);
        var status = new SweepStatus(s.Cancelled ? "cancelled" : finished ? "done" : "running", s.Count, done, result, s.Chunks.Count, chunksDone);
        _status = (_version, status);
        return status;
    }

    public async Task CancelAsync()
    {
        if (state.State.Count == 0 || state.State.Rows.All(r => r is not null))
        {
            return; // nothing to stop: a finished sweep stays done
        }

        state.State.Cancelled = true;
        await _cancel.CancelAsync();
        await SaveAsync();
    }

    public Task<string> GetSiloAsync() => Task.FromResult(RuntimeIdentity);

    /// <summary>Orleans disposes an activation's grain when it deactivates.</summary>
    public void Dispose()
    {
        _cancel.Dispose();
        _store.Dispose();
    }

    /// <summary>
    /// Writes the state; when the store holds another version (a second activation wrote during churn, or a silo holding
    /// a copy died), takes in the stored rows and chunks (<see cref="SweepState.Absorb"/>) and writes the union.
    /// </summary>
    private async Task SaveAsync()
    {
        if (_stopping)
        {
            return; // a deactivating activation writes nothing more: the next activation takes over from the store
        }

        // One read or write of the store at a time: chunks land concurrently, and writes with the same version would
        // only conflict with each other.
        await _store.WaitAsync();
        try
        {
            _version++;
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await state.WriteStateAsync();
                    return;
                }
                catch (Orleans.Storage.InconsistentStateException) when (attempt < 5)
                {
                    await AbsorbStoredAsync();
                    JoinReady();
                }
            }
        }
        finally
        {
            _store.Release();
        }
    }

    /// <summary>Reads the stored state and takes it into this activation's (the object the running loop holds stays the same).</summary>
    private async Task RefreshAsync()
    {
        await _store.WaitAsync();
        try
        {
            await AbsorbStoredAsync();
        }
        finally
        {
            _store.Release();
        }
    }

    private async Task AbsorbStoredAsync()
    {
        var held = state.State;
        await state.ReadStateAsync();
        held.Absorb(state.State);
        state.State = held;
        _version++;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // Stops issuing chunks and writing; chunks in flight are dropped (the next activation runs them again).
        _stopping = true;
        await _cancel.CancelAsync();
        await base.OnDeactivateAsync(reason, cancellationToken);
    }

    /// <summary>
    /// Joins each variant whose chunks have all landed but whose row is missing; true when one was joined. Nothing is
    /// joined before the sweep's own catalog and profiles are at hand (a row priced with another would stay).
    /// </summary>
    private bool JoinReady()
    {
        if (!_dataReady)
        {
            return false;
        }

        var s = state.State;
        var joined = false;
        for (var i = 0; i < s.Rows.Count; i++)
        {
            if (s.Rows[i] is null && s.ChunksDone(i) == s.ChunkCounts[i])
            {
                Join(i);
                joined = true;
            }
        }

        return joined;
    }

    /// <summary>Variant <paramref name="index"/>'s row from its chunks (or a row saying why it could not be joined); its chunks dropped.</summary>
    private void Join(int index)
    {
        var s = state.State;
        var (k, at) = (s.ChunkCounts[index], s.Offset(index));
        try
        {
            var chunks = Enumerable.Range(0, k).Select(c => JsonSerializer.Deserialize<SweepChunk>(s.Chunks[at + c]!, SweepJson.Options)!).ToList();
            var variant = Variants()[index];
            var row = new SweepRunner(catalog, profiles).Join(index, variant.Label, variant.Scenario, s.Mode, s.Replications[index], chunks);
            s.Rows[index] = JsonSerializer.Serialize(row, SweepJson.Options);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            s.Rows[index] = Failed(index, ex.Message);
        }

        for (var c = 0; c < k; c++)
        {
            s.Chunks[at + c] = null;
        }
    }

    private IReadOnlyList<SweepVariant>? _variants;
    private string?[] _scenarios = [];

    private void Remember(IReadOnlyList<SweepVariant> variants)
    {
        _variants = variants;
        _scenarios = new string?[variants.Count];
    }

    /// <summary>
    /// The sweep's variants, expanded again from its document after a fresh activation (pure: the same variants, unless
    /// the catalog has since lost a device or region they name — then every row still missing says so).
    /// </summary>
    private IReadOnlyList<SweepVariant> Variants()
    {
        if (_variants is null)
        {
            Remember(SweepDocument.Expand(SweepDocument.Parse(state.State.Document), catalog, state.State.MaxVariants));
        }

        return _variants!;
    }

    private string ScenarioOf(int index)
    {
        // Expanded first: a fresh activation's expansion replaces the (empty) cache.
        var variant = Variants()[index];
        return _scenarios[index] ??= ScenarioJson.Write(variant.Scenario);
    }

    /// <summary>A row saying why variant <paramref name="index"/> could not be run (its label known or not).</summary>
    private string Failed(int index, string message)
    {
        string label;
        try
        {
            label = Variants()[index].Label;
        }
        catch (ScenarioException)
        {
            label = $"variant {index}";
        }

        return JsonSerializer.Serialize(SweepRunner.NotRun(index, label, message), SweepJson.Options);
    }

    private void Resume()
    {
        if (_dataReady && _running is null or { IsCompleted: true } && state.State.Count > 0 && !state.State.Cancelled && state.State.Rows.Any(r => r is null))
        {
            _running = RunAsync();
        }
    }

    /// <summary>The missing chunks, <see cref="InFlight"/> at a time, each written to the state as it lands (the first result of a chunk wins).</summary>
    private async Task RunAsync()
    {
        var s = state.State;
        var pending = new Queue<(int Index, int Chunk)>(
            from i in Enumerable.Range(0, s.Count)
            where s.Rows[i] is null
            from c in Enumerable.Range(0, s.ChunkCounts[i])
            where s.Chunks[s.Offset(i) + c] is null
            select (i, c));
        DelayDeactivation(KeepAlive);
        if (JoinReady())
        {
            await SaveAsync();
        }

        var inFlight = new List<Task>();
        while ((pending.Count > 0 || inFlight.Count > 0) && !s.Cancelled && !_stopping)
        {
            while (inFlight.Count < InFlight && pending.Count > 0)
            {
                var (index, chunk) = pending.Dequeue();
                inFlight.Add(OneAsync(index, chunk));
            }

            inFlight.Remove(await Task.WhenAny(inFlight));
        }
    }

    private async Task OneAsync(int index, int chunk)
    {
        var s = state.State;
        System.Diagnostics.Stopwatch? failing = null; // since the first failure: a long computation is not a failure
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var grain = GrainFactory.GetGrain<IChunkGrain>($"{this.GetPrimaryKey():N}/{index}/{chunk}/{attempt}");
                var result = await grain.RunAsync(ScenarioOf(index), Variants()[index].Label, s.Mode, s.Replications[index], index, chunk, s.Data, _cancel.Token);
                await LandAsync(index, chunk, result);
                return;
            }
            catch (OperationCanceledException) when (_cancel.IsCancellationRequested)
            {
                // The sweep was cancelled (or this activation is going): the chunk stopped where it was; nothing lands.
                return;
            }
            catch (Exception ex) when (ex is OrleansException or TimeoutException or OperationCanceledException && (failing ??= System.Diagnostics.Stopwatch.StartNew()).Elapsed < RetryWindow)
            {
                var backoff = TimeSpan.FromMilliseconds(Math.Min(MaxBackoff.TotalMilliseconds, 250 * Math.Pow(2, attempt - 1)));
                logger.LogWarning("sweep {Sweep}: variant {Index} chunk {Chunk} failed on attempt {Attempt} ({Reason}); trying again in {Backoff} s", this.GetPrimaryKey(), index, chunk, attempt, ex.GetType().Name, backoff.TotalSeconds);
                await Task.Delay(backoff);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // Out of attempts, or the chunk itself failed: the row says so, and the sweep still ends.
                await FailAsync(index, ex.Message);
                return;
            }
        }
    }

    /// <summary>A chunk that has landed: kept (unless one landed before it); its variant's row joined once all its chunks are in.</summary>
    private async Task LandAsync(int index, int chunk, string result)
    {
        var s = state.State;
        var at = s.Offset(index) + chunk;
        if (s.Rows[index] is not null || s.Cancelled || s.Chunks[at] is not null)
        {
            return;
        }

        s.Chunks[at] = result;
        JoinReady();
        // Running with no one polling is not idle: the activation stays while chunks land.
        DelayDeactivation(KeepAlive);
        await SaveAsync();
    }

    private async Task FailAsync(int index, string message)
    {
        var s = state.State;
        if (s.Rows[index] is null && !s.Cancelled)
        {
            s.Rows[index] = Failed(index, message);
            await SaveAsync();
        }
    }
}

/// <summary>The JSON of rows between grains and to clients: the same serializer settings everywhere, so a row is byte-identical wherever it ran.</summary>
public static class SweepJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// A <see cref="SweepResult"/>'s JSON from rows already written as JSON (with <see cref="Options"/>): the text
    /// <c>JsonSerializer.Serialize(new SweepResult(mode, rows), Options)</c> gives, without reading each row back.
    /// </summary>
    public static string Result(string mode, IReadOnlyList<string> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var text = new System.Text.StringBuilder("{\"mode\":", 32 + rows.Sum(r => r.Length + 1));
        text.Append(JsonSerializer.Serialize(mode, Options)).Append(",\"rows\":[");
        for (var i = 0; i < rows.Count; i++)
        {
            text.Append(i == 0 ? string.Empty : ",").Append(rows[i]);
        }

        return text.Append("]}").ToString();
    }
}
