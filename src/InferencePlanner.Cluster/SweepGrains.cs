using System.Text.Json;
using InferencePlanner.Core.Catalog;
using InferencePlanner.Core.Profiles;
using InferencePlanner.Core.Scenarios;
using InferencePlanner.Planning.Sweeps;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace InferencePlanner.Cluster;

/// <summary>One variant of a sweep, keyed "{sweep}/{index}" so that variants spread over the silos; its work is <see cref="SweepRunner.Variant"/>.</summary>
public interface IVariantGrain : IGrainWithStringKey
{
    /// <summary>The variant's row as JSON: a pure function of the scenario, the mode and the replications.</summary>
    Task<string> RunAsync(string scenarioJson, string label, string mode, int replications, int index);
}

/// <summary>A sweep's coordinator: expands it, runs its variants on variant grains, keeps each row as it lands.</summary>
public interface ISweepGrain : IGrainWithGuidKey
{
    /// <summary>
    /// Starts the sweep (a second start of the same sweep does nothing): null, or a bad document's problems in words
    /// ("$.axes: …"), refused before anything runs.
    /// </summary>
    Task<string?> StartAsync(string sweepJson, int maxVariants);

    Task<SweepStatus> GetStatusAsync();

    /// <summary>Stops issuing variants; those in flight finish and are dropped.</summary>
    Task CancelAsync();

    /// <summary>The silo this coordinator runs on (for tests that stop another).</summary>
    Task<string> GetSiloAsync();
}

/// <summary>Where a sweep stands: <c>running</c>, <c>done</c> or <c>cancelled</c>; the rows so far (done ones in index order) as the result JSON.</summary>
[GenerateSerializer]
public sealed record SweepStatus(
    [property: Id(0)] string State,
    [property: Id(1)] int Total,
    [property: Id(2)] int Done,
    [property: Id(3)] string ResultJson);

/// <summary>A sweep's persisted state: its variants and the rows that have landed (null where not yet).</summary>
[GenerateSerializer]
public sealed class SweepState
{
    [Id(0)] public string Mode { get; set; } = SweepDocument.Simulate;
    [Id(1)] public int Replications { get; set; } = 1;
    [Id(2)] public List<string> Labels { get; set; } = [];
    [Id(3)] public List<string> Scenarios { get; set; } = [];
    [Id(4)] public List<string?> Rows { get; set; } = [];
    [Id(5)] public bool Cancelled { get; set; }
}

public sealed class VariantGrain(DeviceCatalog catalog, ProfileStore profiles) : Grain, IVariantGrain
{
    public Task<string> RunAsync(string scenarioJson, string label, string mode, int replications, int index)
    {
        var row = new SweepRunner(catalog, profiles).Variant(index, label, ScenarioJson.Parse(scenarioJson), mode, replications);
        // One variant's work is done: the activation has nothing more to keep.
        DeactivateOnIdle();
        return Task.FromResult(JsonSerializer.Serialize(row, SweepJson.Options));
    }
}

public sealed class SweepGrain(
    [PersistentState("sweep", SweepGrain.Storage)] IPersistentState<SweepState> state,
    DeviceCatalog catalog,
    ILogger<SweepGrain> logger) : Grain, ISweepGrain
{
    /// <summary>The grain storage a cluster registers for sweeps.</summary>
    public const string Storage = "sweeps";

    /// <summary>Variants in flight at once per sweep: enough to keep every silo busy, few enough that a cancel stops soon.</summary>
    public const int InFlight = 8;

    /// <summary>A variant call that fails (its silo died, a timeout) is tried again this many times: the variant is pure, so a repeat is harmless.</summary>
    public const int Attempts = 5;

    private Task? _running;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // A fresh activation of a sweep left unfinished (its silo died) picks up the rows not yet landed.
        Resume();
        return Task.CompletedTask;
    }

    public async Task<string?> StartAsync(string sweepJson, int maxVariants)
    {
        if (state.State.Scenarios.Count > 0)
        {
            return null;
        }

        SweepSpec sweep;
        IReadOnlyList<(string Label, Scenario Scenario)> variants;
        try
        {
            sweep = SweepDocument.Parse(sweepJson);
            variants = SweepDocument.Expand(sweep, catalog, maxVariants);
        }
        catch (ScenarioException ex)
        {
            return string.Join("; ", ex.Errors.Select(e => e.ToString()));
        }

        state.State = new SweepState
        {
            Mode = sweep.Mode ?? SweepDocument.Simulate,
            Replications = sweep.Replications ?? 1,
            Labels = [.. variants.Select(v => v.Label)],
            Scenarios = [.. variants.Select(v => ScenarioJson.Write(v.Scenario))],
            Rows = [.. variants.Select(_ => (string?)null)],
        };
        await SaveAsync();
        Resume();
        return null;
    }

    public Task<SweepStatus> GetStatusAsync()
    {
        var s = state.State;
        var rows = s.Rows.Where(r => r is not null).Select(r => JsonSerializer.Deserialize<SweepRow>(r!, SweepJson.Options)!).ToList();
        var done = rows.Count;
        var finished = done == s.Scenarios.Count && s.Scenarios.Count > 0;
        var result = new SweepResult(s.Mode, finished ? SweepRunner.MarkFront(rows) : rows);
        return Task.FromResult(new SweepStatus(s.Cancelled ? "cancelled" : finished ? "done" : "running", s.Scenarios.Count, done, JsonSerializer.Serialize(result, SweepJson.Options)));
    }

    public async Task CancelAsync()
    {
        state.State.Cancelled = true;
        await SaveAsync();
    }

    public Task<string> GetSiloAsync() => Task.FromResult(RuntimeIdentity);

    /// <summary>
    /// Writes the state; when the store lost its copy (a silo holding it died, so the version no longer matches), reads
    /// the store's version and writes this activation's state over it: the rows this activation holds are the newest.
    /// </summary>
    private async Task SaveAsync()
    {
        try
        {
            await state.WriteStateAsync();
        }
        catch (Orleans.Storage.InconsistentStateException)
        {
            var held = state.State;
            await state.ReadStateAsync();
            state.State = held;
            await state.WriteStateAsync();
        }
    }

    private void Resume()
    {
        if (_running is null or { IsCompleted: true } && state.State.Scenarios.Count > 0 && !state.State.Cancelled && state.State.Rows.Any(r => r is null))
        {
            _running = RunAsync();
        }
    }

    /// <summary>The missing rows, <see cref="InFlight"/> at a time, each written to the state as it lands (the first result of a variant wins).</summary>
    private async Task RunAsync()
    {
        var s = state.State;
        var pending = new Queue<int>(Enumerable.Range(0, s.Scenarios.Count).Where(i => s.Rows[i] is null));
        var inFlight = new List<Task>();
        while ((pending.Count > 0 || inFlight.Count > 0) && !s.Cancelled)
        {
            while (inFlight.Count < InFlight && pending.Count > 0)
            {
                inFlight.Add(OneAsync(pending.Dequeue()));
            }

            inFlight.Remove(await Task.WhenAny(inFlight));
        }
    }

    private async Task OneAsync(int index)
    {
        var s = state.State;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var grain = GrainFactory.GetGrain<IVariantGrain>($"{this.GetPrimaryKey():N}/{index}/{attempt}");
                var row = await grain.RunAsync(s.Scenarios[index], s.Labels[index], s.Mode, s.Replications, index);
                if (s.Rows[index] is null && !s.Cancelled)
                {
                    s.Rows[index] = row;
                    await SaveAsync();
                }

                return;
            }
            catch (Exception ex) when (attempt < Attempts && ex is SiloUnavailableException or OrleansMessageRejectionException or TimeoutException or OrleansException)
            {
                logger.LogWarning(ex, "sweep {Sweep}: variant {Index} failed on attempt {Attempt}; trying again elsewhere", this.GetPrimaryKey(), index, attempt);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // Out of attempts, or the variant itself failed: the row says so, and the sweep still ends.
                if (s.Rows[index] is null && !s.Cancelled)
                {
                    s.Rows[index] = JsonSerializer.Serialize(new SweepRow { Index = index, Variant = s.Labels[index], Stable = false, Reason = $"could not be run: {ex.Message}" }, SweepJson.Options);
                    await SaveAsync();
                }

                return;
            }
        }
    }
}

/// <summary>The JSON of rows between grains and to clients: the same serializer settings everywhere, so a row is byte-identical wherever it ran.</summary>
public static class SweepJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);
}
