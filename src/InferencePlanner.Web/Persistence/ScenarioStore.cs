using InferencePlanner.Core.Scenarios;
using Microsoft.EntityFrameworkCore;

namespace InferencePlanner.Web.Persistence;

/// <summary>A save refused because someone else saved the scenario since it was loaded.</summary>
public sealed class ScenarioConflictException : Exception
{
    public ScenarioConflictException()
    {
    }

    public ScenarioConflictException(string message)
        : base(message)
    {
    }

    public ScenarioConflictException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>A save refused because another scenario has that name.</summary>
public sealed class ScenarioNameTakenException : Exception
{
    public ScenarioNameTakenException()
    {
    }

    public ScenarioNameTakenException(string message)
        : base(message)
    {
    }

    public ScenarioNameTakenException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// Scenarios in the database: list, load, save (versioned, with conflict detection, names unique), delete, and
/// the demos. Creates and saves are taken one at a time, so two of one name cannot slip in together.
/// </summary>
public sealed class ScenarioStore(IDbContextFactory<PlannerDb> factory, TimeProvider clock) : IDisposable
{
    private readonly SemaphoreSlim _writes = new(1, 1);

    public void Dispose() => _writes.Dispose();

    /// <summary>A name no saved scenario has: <paramref name="wanted"/>, else "wanted (2)", "wanted (3)", ….</summary>
    public async Task<string> FreeNameAsync(string wanted, CancellationToken cancellation = default)
    {
        await using var db = await factory.CreateDbContextAsync(cancellation).ConfigureAwait(false);
        var taken = (await db.Scenarios.AsNoTracking().Select(s => s.Name).ToListAsync(cancellation).ConfigureAwait(false)).ToHashSet(StringComparer.Ordinal);
        var name = wanted;
        for (var n = 2; taken.Contains(name); n++)
        {
            name = $"{wanted} ({n})";
        }

        return name;
    }

    private static async Task RefuseTakenNameAsync(PlannerDb db, string name, int? except, CancellationToken cancellation)
    {
        var clash = await db.Scenarios.AsNoTracking().Where(s => s.Name == name && s.Id != except).Select(s => (int?)s.Id).FirstOrDefaultAsync(cancellation).ConfigureAwait(false);
        if (clash is { } id)
        {
            throw new ScenarioNameTakenException($"'{name}' is the name of scenario {id}; choose another");
        }
    }

    public async Task<IReadOnlyList<ScenarioRecord>> ListAsync(CancellationToken cancellation = default)
    {
        await using var db = await factory.CreateDbContextAsync(cancellation).ConfigureAwait(false);
        return await db.Scenarios.AsNoTracking().OrderByDescending(s => s.IsDemo).ThenBy(s => s.Name).ToListAsync(cancellation).ConfigureAwait(false);
    }

    /// <summary>The latest finished simulation of a saved scenario, with that scenario: "the current scenario".</summary>
    public async Task<(ScenarioRecord Scenario, RunRecord Run)?> LatestSimulationAsync(CancellationToken cancellation = default)
    {
        await using var db = await factory.CreateDbContextAsync(cancellation).ConfigureAwait(false);
        // One row from the database (times are stored as ticks, so they order there), not every run's result.
        var run = await db.Runs.AsNoTracking()
            .Where(r => r.Kind == "simulate" && r.Status == "Succeeded" && r.ResultJson != null && db.Scenarios.Any(s => s.Id == r.ScenarioId))
            .OrderByDescending(r => r.FinishedAt)
            .FirstOrDefaultAsync(cancellation).ConfigureAwait(false);
        if (run is null)
        {
            return null;
        }

        var scenario = await db.Scenarios.AsNoTracking().FirstAsync(s => s.Id == run.ScenarioId, cancellation).ConfigureAwait(false);
        return (scenario, run);
    }

    public async Task<ScenarioRecord?> GetAsync(int id, CancellationToken cancellation = default)
    {
        await using var db = await factory.CreateDbContextAsync(cancellation).ConfigureAwait(false);
        return await db.Scenarios.AsNoTracking().FirstOrDefaultAsync(s => s.Id == id, cancellation).ConfigureAwait(false);
    }

    /// <summary>Creates a scenario; the document must parse (it is validated by the caller against the catalog).</summary>
    public async Task<ScenarioRecord> CreateAsync(Scenario scenario, bool demo = false, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        await using var db = await factory.CreateDbContextAsync(cancellation).ConfigureAwait(false);
        var json = ScenarioJson.Write(scenario);
        var now = clock.GetUtcNow();
        var record = new ScenarioRecord { Name = scenario.Name ?? "untitled", Json = json, IsDemo = demo, UpdatedAt = now, Version = 1 };
        record.History.Add(new ScenarioVersion { Version = 1, Json = json, SavedAt = now });
        await _writes.WaitAsync(cancellation).ConfigureAwait(false);
        try
        {
            await RefuseTakenNameAsync(db, record.Name, null, cancellation).ConfigureAwait(false);
            db.Scenarios.Add(record);
            await db.SaveChangesAsync(cancellation).ConfigureAwait(false);
        }
        finally
        {
            _writes.Release();
        }

        return record;
    }

    /// <summary>
    /// Saves a new version on top of <paramref name="basedOnVersion"/>; refuses if the stored version moved on (the
    /// check and the save are one step: two saves on one version cannot both pass).
    /// </summary>
    public async Task<ScenarioRecord> SaveAsync(int id, Scenario scenario, int basedOnVersion, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        await _writes.WaitAsync(cancellation).ConfigureAwait(false);
        try
        {
            await using var db = await factory.CreateDbContextAsync(cancellation).ConfigureAwait(false);
            var record = await db.Scenarios.FirstOrDefaultAsync(s => s.Id == id, cancellation).ConfigureAwait(false)
                ?? throw new KeyNotFoundException($"scenario {id} does not exist");
            if (record.Version != basedOnVersion)
            {
                throw new ScenarioConflictException($"'{record.Name}' was saved as version {record.Version} since you loaded version {basedOnVersion}: reload it to see the changes");
            }

            var json = ScenarioJson.Write(scenario);
            record.Json = json;
            record.Name = scenario.Name ?? record.Name;
            record.Version = basedOnVersion + 1;
            record.UpdatedAt = clock.GetUtcNow();
            db.ScenarioVersions.Add(new ScenarioVersion { ScenarioId = id, Version = record.Version, Json = json, SavedAt = record.UpdatedAt });
            await RefuseTakenNameAsync(db, record.Name, id, cancellation).ConfigureAwait(false);
            await db.SaveChangesAsync(cancellation).ConfigureAwait(false);
            return record;
        }
        catch (DbUpdateException ex)
        {
            // Another process on the same file saved this version first (the unique version index, or the version check).
            throw new ScenarioConflictException($"scenario {id} was saved by someone else at the same moment: reload it", ex);
        }
        finally
        {
            _writes.Release();
        }
    }

    public async Task<bool> DeleteAsync(int id, CancellationToken cancellation = default)
    {
        await using var db = await factory.CreateDbContextAsync(cancellation).ConfigureAwait(false);
        var removed = await db.Scenarios.Where(s => s.Id == id).ExecuteDeleteAsync(cancellation).ConfigureAwait(false);
        return removed > 0;
    }

    public async Task<int> VersionCountAsync(int id, CancellationToken cancellation = default)
    {
        await using var db = await factory.CreateDbContextAsync(cancellation).ConfigureAwait(false);
        return await db.ScenarioVersions.CountAsync(v => v.ScenarioId == id, cancellation).ConfigureAwait(false);
    }

    /// <summary>On first start (an empty database), the demo scenarios.</summary>
    public async Task SeedDemosAsync(string scenarioDirectory, CancellationToken cancellation = default)
    {
        await using var db = await factory.CreateDbContextAsync(cancellation).ConfigureAwait(false);
        if (await db.Scenarios.AnyAsync(cancellation).ConfigureAwait(false))
        {
            return;
        }

        foreach (var file in DemoFiles)
        {
            var path = Path.Combine(scenarioDirectory, file);
            if (File.Exists(path))
            {
                await CreateAsync(ScenarioJson.Load(path), demo: true, cancellation).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The demos: an LLM chatbot on H100, L4 and TPU v5e (to compare), LLM serving on a trace, a recommendation model with edge offload, image classification growing across three regions, and the textbook queue.</summary>
    public static readonly string[] DemoFiles =
    [
        "llm-chatbot-h100.json", "llm-chatbot-l4.json", "llm-chatbot-tpu-v5e.json",
        "llm-conversation-trace.json", "recommendation-edge.json", "image-classification-three-regions.json",
        "chatbot-growth.json", "chatbot-h100.json", "mm4-erlang-c.json",
    ];
}
