using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using InferencePlanner.Core.Catalog;
using InferencePlanner.Core.Profiles;
using InferencePlanner.Core.Scenarios;
using InferencePlanner.Planning.Forecasting;
using InferencePlanner.Simulation.Engine;
using InferencePlanner.Simulation.Results;

namespace InferencePlanner.Planning.Sweeps;

/// <summary>
/// A sweep document: a base scenario and axes, each a field of the scenario and the values it takes; every combination
/// is a variant (the first axis varies slowest), run as <c>mode</c> says: <c>simulate</c> (the fleet as listed, with
/// <c>replications</c>, priced for a month), <c>size</c> (month 0 sized for the SLO) or <c>forecast</c> (every month).
/// </summary>
public sealed record SweepSpec
{
    public JsonObject? Base { get; init; }
    public string? Mode { get; init; }
    public IReadOnlyList<SweepAxis>? Axes { get; init; }
    public int? Replications { get; init; }
}

/// <summary>
/// One axis: <c>field</c> is a path in the scenario (<c>economics.pricing</c>, <c>pools[0].count</c>, <c>slo.latencyMs</c>,
/// <c>growth.monthlyGrowthPercent</c>, <c>seed</c>) or a shortcut for every pool (<c>device</c>, <c>region</c>,
/// <c>pricing</c>, <c>precision</c>, <c>tensorParallel</c>); <c>values</c> the values it takes.
/// </summary>
public sealed record SweepAxis
{
    public string? Field { get; init; }
    public IReadOnlyList<JsonNode?>? Values { get; init; }
}

/// <summary>One variant's figures: what it set, whether it is stable, its latency and SLO, its fleet's cost, energy and carbon.</summary>
public sealed record SweepRow
{
    public required int Index { get; init; }

    /// <summary>The axes' values in words: "device=nvidia-l4, region=gcp-us-central1".</summary>
    public required string Variant { get; init; }

    public required bool Stable { get; init; }
    public string? Reason { get; init; }
    public int Devices { get; init; }

    /// <summary>p99 latency (ms); for generative fleets p99 time to first token (the Pareto front's axis).</summary>
    public double? P99Ms { get; init; }

    public bool? SloMet { get; init; }

    /// <summary>USD per month (simulate, size) or over the horizon (forecast); null when a price is unknown.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public double? CostUsd { get; init; }

    /// <summary>kWh per month (simulate, size) or over the horizon (forecast); null for a variant that cannot serve its load.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public double? EnergyKWh { get; init; }

    /// <summary>kg CO2e, as the energy; null for a variant that cannot serve its load.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public double? CarbonKg { get; init; }

    /// <summary>On the front of cost against p99: no other stable, priced variant is at least as cheap and as fast, and better in one.</summary>
    public bool Pareto { get; init; }
}

public sealed record SweepResult(string Mode, IReadOnlyList<SweepRow> Rows);

/// <summary>One variant of a sweep: its label ("device=…, region=…"), its scenario, and its replications (the sweep's, or a <c>replications</c> axis's value).</summary>
public sealed record SweepVariant(string Label, Scenario Scenario, int Replications)
{
    public void Deconstruct(out string label, out Scenario scenario) => (label, scenario) = (Label, Scenario);
}

/// <summary>
/// What one chunk of a sweep gives: for a simulated variant, one replication's result; for a forecast variant, one
/// month at one growth band (each joined with the others by <see cref="SweepRunner.Join"/>); for a sized variant, or
/// one refused before it runs, the row itself.
/// </summary>
public sealed record SweepChunk
{
    public SweepRow? Row { get; init; }
    public SimulationResult? Replication { get; init; }
    public ForecastPiece? Piece { get; init; }
}

/// <summary>A sweep document that cannot run: each problem named by its path in the document.</summary>
public static class SweepDocument
{
    public const string Simulate = "simulate";
    public const string Size = "size";
    public const string Forecast = "forecast";
    public static readonly string[] Modes = [Simulate, Size, Forecast];

    /// <summary>The default most variants one sweep may have (a server setting may lower or raise it).</summary>
    public const int DefaultMaxVariants = 1000;

    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow };

    public static SweepSpec Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            return JsonSerializer.Deserialize<SweepSpec>(json, Options) ?? throw new ScenarioException("$", "the sweep document is empty");
        }
        catch (JsonException ex)
        {
            throw new ScenarioException(ex.Path ?? "$", $"not a sweep document: {ex.Message}");
        }
    }

    /// <summary>
    /// Every variant of <paramref name="sweep"/>, in index order: its label, its scenario (validated against
    /// <paramref name="catalog"/>) and its replications. An axis named <c>replications</c> varies the replications
    /// rather than the scenario.
    /// </summary>
    public static IReadOnlyList<SweepVariant> Expand(SweepSpec sweep, DeviceCatalog? catalog = null, int maxVariants = DefaultMaxVariants)
    {
        ArgumentNullException.ThrowIfNull(sweep);
        if (sweep.Base is null)
        {
            throw new ScenarioException("$.base", "is required: the scenario the axes vary");
        }

        if (sweep.Mode is { } mode && !Modes.Contains(mode, StringComparer.Ordinal))
        {
            throw new ScenarioException("$.mode", $"'{mode}' is not one of {string.Join(", ", Modes)}");
        }

        if (sweep.Replications is < 1 or > SimulationRunner.MaxReplications)
        {
            throw new ScenarioException("$.replications", $"must be from 1 to {SimulationRunner.MaxReplications}");
        }

        var axes = sweep.Axes ?? [];
        long count = 1;
        for (var a = 0; a < axes.Count; a++)
        {
            if (axes[a]?.Field is not { Length: > 0 })
            {
                throw new ScenarioException($"$.axes[{a}].field", "is required");
            }

            if (axes[a].Values is not { Count: > 0 } values)
            {
                throw new ScenarioException($"$.axes[{a}].values", "needs at least one value");
            }

            count *= values.Count;
            if (count > maxVariants)
            {
                throw new ScenarioException("$.axes", $"the axes make more than {maxVariants:N0} variants (the most a sweep may have here); split the sweep");
            }
        }

        var variants = new List<SweepVariant>((int)count);
        for (var i = 0; i < count; i++)
        {
            var node = sweep.Base.DeepClone().AsObject();
            var labels = new List<string>();
            var replications = sweep.Replications ?? 1;
            var rest = i;
            for (var a = axes.Count - 1; a >= 0; a--)
            {
                var values = axes[a].Values!;
                var at = rest % values.Count;
                var value = values[at];
                rest /= values.Count;
                if (axes[a].Field == ReplicationsAxis)
                {
                    replications = value is JsonValue v && v.TryGetValue<int>(out var r) && r is >= 1 and <= SimulationRunner.MaxReplications
                        ? r
                        : throw new ScenarioException($"$.axes[{a}].values[{at}]", $"replications must be a whole number from 1 to {SimulationRunner.MaxReplications}");
                }
                else
                {
                    Set(node, axes[a].Field!, value, $"$.axes[{a}].field");
                }

                labels.Insert(0, $"{axes[a].Field}={value?.ToJsonString().Trim('"') ?? "null"}");
            }

            Scenario scenario;
            try
            {
                scenario = ScenarioJson.Parse(node.ToJsonString());
            }
            catch (ScenarioException ex)
            {
                throw new ScenarioException($"variant {i} ({string.Join(", ", labels)}): {ex.Message}");
            }

            if (ScenarioValidator.Validate(scenario, catalog) is { Count: > 0 } errors)
            {
                throw new ScenarioException($"variant {i} ({string.Join(", ", labels)}): {string.Join("; ", errors)}");
            }

            variants.Add(new SweepVariant(labels.Count == 0 ? "base" : string.Join(", ", labels), scenario, replications));
        }

        return variants;
    }

    /// <summary>The axis that varies a variant's replications (simulate mode) rather than its scenario.</summary>
    public const string ReplicationsAxis = "replications";

    private static readonly string[] PoolShortcuts = ["device", "region", "pricing", "count"];
    private static readonly string[] LlmShortcuts = ["precision", "tensorParallel"];

    /// <summary>Sets <paramref name="path"/> (a dotted path with [i] indexes, or a shortcut for every pool) to a copy of <paramref name="value"/>.</summary>
    private static void Set(JsonObject scenario, string path, JsonNode? value, string at)
    {
        if (PoolShortcuts.Contains(path, StringComparer.Ordinal) || LlmShortcuts.Contains(path, StringComparer.Ordinal))
        {
            if (scenario["pools"] is not JsonArray pools || pools.Count == 0)
            {
                throw new ScenarioException(at, $"'{path}' sets every pool's {path}, and the base scenario has no pools");
            }

            foreach (var pool in pools.OfType<JsonObject>())
            {
                if (LlmShortcuts.Contains(path, StringComparer.Ordinal))
                {
                    if (pool["llm"] is JsonObject llm)
                    {
                        llm[path] = value?.DeepClone();
                    }
                }
                else
                {
                    pool[path] = value?.DeepClone();
                }
            }

            return;
        }

        var parts = path.Split('.');
        JsonNode current = scenario;
        for (var p = 0; p < parts.Length; p++)
        {
            var (name, index) = Part(parts[p], path, at);
            var last = p == parts.Length - 1;
            if (current is not JsonObject obj)
            {
                throw new ScenarioException(at, $"'{path}': '{string.Join('.', parts[..p])}' is not an object in the base scenario");
            }

            if (index is { } i)
            {
                if (obj[name] is not JsonArray array || i >= array.Count)
                {
                    throw new ScenarioException(at, $"'{path}': the base scenario has no {name}[{i}]");
                }

                if (last)
                {
                    array[i] = value?.DeepClone();
                    return;
                }

                current = array[i] ?? throw new ScenarioException(at, $"'{path}': {name}[{i}] is empty");
            }
            else if (last)
            {
                obj[name] = value?.DeepClone();
            }
            else
            {
                if (obj[name] is null)
                {
                    obj[name] = new JsonObject();
                }

                current = obj[name]!;
            }
        }
    }

    private static (string Name, int? Index) Part(string part, string path, string at)
    {
        var open = part.IndexOf('[', StringComparison.Ordinal);
        if (open < 0)
        {
            return part.Length > 0 ? (part, null) : throw new ScenarioException(at, $"'{path}' has an empty step");
        }

        return part.EndsWith(']') && int.TryParse(part[(open + 1)..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var index)
            ? (part[..open], index)
            : throw new ScenarioException(at, $"'{path}': '{part}' is not name[index]");
    }
}

/// <summary>
/// Runs a sweep's variants, each a pure function of its scenario and seed (so it can run anywhere and give the same
/// figures), and joins them in index order with the Pareto front of cost against p99 marked.
/// </summary>
public sealed class SweepRunner(DeviceCatalog catalog, ProfileStore? profiles = null)
{
    private readonly Forecaster _forecaster = new(catalog, profiles);

    public SweepResult Run(SweepSpec sweep, IProgress<double>? progress = null, string? baseDirectory = null, int maxVariants = SweepDocument.DefaultMaxVariants, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(sweep);
        var variants = SweepDocument.Expand(sweep, catalog, maxVariants);
        var mode = sweep.Mode ?? SweepDocument.Simulate;
        // Variants in parallel on this machine's cores; each row is a pure function of its variant, joined by index.
        var rows = new SweepRow[variants.Count];
        var done = 0;
        Parallel.For(0, variants.Count, new ParallelOptions { CancellationToken = cancellation, MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
        {
            rows[i] = Variant(i, variants[i].Label, variants[i].Scenario, mode, variants[i].Replications, baseDirectory, cancellation);
            progress?.Report((double)Interlocked.Increment(ref done) / variants.Count);
        });

        return new SweepResult(mode, MarkFront(rows));
    }

    /// <summary>
    /// How many chunks a variant is cut into: one per replication when simulated; one per month × growth band when
    /// forecast (<see cref="Forecaster.PiecesPerMonth"/>); one when sized.
    /// </summary>
    public static int ChunksOf(Scenario scenario, string mode, int replications)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        return mode switch
        {
            SweepDocument.Size => 1,
            SweepDocument.Forecast => Forecaster.Months(scenario) * Forecaster.PiecesPerMonth(scenario),
            _ => Math.Max(1, replications),
        };
    }

    /// <summary>
    /// Chunk <paramref name="chunk"/> of a variant (replication <paramref name="chunk"/> when simulated; month
    /// chunk / bands at band chunk % bands when forecast; the whole row when sized): a pure function of the scenario,
    /// its seed and the chunk's number, so it can run on any machine.
    /// </summary>
    public SweepChunk Chunk(int index, string label, Scenario scenario, string mode, int replications, int chunk, string? baseDirectory = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentOutOfRangeException.ThrowIfNegative(chunk);
        if (mode is SweepDocument.Size)
        {
            return new SweepChunk { Row = Variant(index, label, scenario, mode, replications, baseDirectory, cancellation) };
        }

        SimulationModel model;
        try
        {
            model = _forecaster.Compile(scenario, baseDirectory);
        }
        catch (ScenarioException ex)
        {
            return new SweepChunk { Row = NotRun(index, label, ex.Message) };
        }

        if (mode is SweepDocument.Forecast)
        {
            var per = Forecaster.PiecesPerMonth(scenario);
            return new SweepChunk { Piece = _forecaster.Piece(model, chunk / per, chunk % per, new ForecastOptions { Cancellation = cancellation }) };
        }

        if (SimulationRunner.Refusal(model, replications) is { } refused)
        {
            return new SweepChunk { Row = Simulated(index, label, model, refused) };
        }

        return new SweepChunk { Replication = SimulationRunner.Replication(model, chunk, cancellation) };
    }

    /// <summary>
    /// A variant's row from its chunks in order: the same row as <see cref="Variant"/> gives on one machine, byte for
    /// byte (the replications merged in order, Student-t over them, then priced).
    /// </summary>
    public SweepRow Join(int index, string label, Scenario scenario, string mode, int replications, IReadOnlyList<SweepChunk> chunks, string? baseDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(chunks);
        if (chunks.Count != ChunksOf(scenario, mode, replications))
        {
            throw new ArgumentException($"a variant of {ChunksOf(scenario, mode, replications)} chunks was given {chunks.Count}", nameof(chunks));
        }

        if (chunks.FirstOrDefault(c => c.Row is not null)?.Row is { } row)
        {
            return row with { Index = index, Variant = label };
        }

        var model = _forecaster.Compile(scenario, baseDirectory);
        if (mode is SweepDocument.Forecast)
        {
            try
            {
                return Forecasted(index, label, _forecaster.Assemble(model, [.. chunks.Select(c => c.Piece ?? throw new ArgumentException("a forecast chunk holds no month", nameof(chunks)))]));
            }
            catch (Sizing.UnreachableSloException ex)
            {
                return Unreachable(index, label, ex);
            }
        }

        return Simulated(index, label, model, SimulationRunner.Join(model, [.. chunks.Select(c => c.Replication ?? throw new ArgumentException("a chunk holds neither a row nor a replication", nameof(chunks)))]));
    }

    /// <summary>One variant (a chunk): the same scenario and seed give the same row, wherever it runs.</summary>
    public SweepRow Variant(int index, string label, Scenario scenario, string mode, int replications, string? baseDirectory = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        try
        {
            return mode switch
            {
                SweepDocument.Size => Sized(index, label, _forecaster.Size(scenario, options: new ForecastOptions { Cancellation = cancellation }, baseDirectory: baseDirectory).Month),
                SweepDocument.Forecast => Forecasted(index, label, _forecaster.Forecast(scenario, new ForecastOptions(), baseDirectory, cancellation)),
                _ => Simulated(index, label, scenario, replications, baseDirectory, cancellation),
            };
        }
        catch (Sizing.UnreachableSloException ex)
        {
            return Unreachable(index, label, ex);
        }
        catch (ScenarioException ex)
        {
            // A variant the axes made impossible (a model that does not fit a device, a run over the limits): its row
            // says why, and the others still run.
            return NotRun(index, label, ex.Message);
        }
    }

    /// <summary>The row of a variant that could not be run, with the first line of the reason (the same wherever it ran).</summary>
    public static SweepRow NotRun(int index, string label, string reason)
    {
        ArgumentNullException.ThrowIfNull(reason);
        return new SweepRow { Index = index, Variant = label, Stable = false, Reason = $"could not be run: {reason.Split('\n')[0].Trim()}" };
    }

    private static SweepRow Unreachable(int index, string label, Sizing.UnreachableSloException ex) =>
        new() { Index = index, Variant = label, Stable = false, Reason = ex.Message, SloMet = false };

    private SweepRow Simulated(int index, string label, Scenario scenario, int replications, string? baseDirectory, CancellationToken cancellation)
    {
        var model = _forecaster.Compile(scenario, baseDirectory);
        return Simulated(index, label, model, SimulationRunner.Run(model, new SimulationOptions { Replications = replications, MaxDegreeOfParallelism = 1 }, cancellation));
    }

    private SweepRow Simulated(int index, string label, SimulationModel model, SimulationResult result)
    {
        var devices = model.Pools.Sum(p => p.Servers * (p.Spec.Llm?.TensorParallel ?? 1));
        if (!result.Stable)
        {
            return new SweepRow { Index = index, Variant = label, Stable = false, Reason = result.Reason, Devices = devices, SloMet = false };
        }

        var month = _forecaster.Evaluate(model, result).Month;
        return new SweepRow
        {
            Index = index,
            Variant = label,
            Stable = true,
            Devices = devices,
            P99Ms = result.TtftMs?.P99 ?? result.LatencyMs.P99,
            SloMet = result.SloMet,
            CostUsd = month.CostUsd,
            EnergyKWh = month.EnergyKWh + month.EdgeEnergyKWh,
            CarbonKg = month.CarbonKg,
        };
    }

    private static SweepRow Sized(int index, string label, MonthForecast month) => new()
    {
        Index = index,
        Variant = label,
        Stable = true,
        Devices = month.Pools.Sum(p => p.Count * (p.TensorParallel ?? 1)),
        P99Ms = month.LatencyMsP99,
        SloMet = month.SloMet,
        CostUsd = month.CostUsd,
        EnergyKWh = month.EnergyKWh + month.EdgeEnergyKWh,
        CarbonKg = month.CarbonKg,
    };

    private static SweepRow Forecasted(int index, string label, ForecastResult forecast)
    {
        var last = forecast.Months[^1];
        return Sized(index, label, last) with
        {
            SloMet = forecast.Months.All(m => m.SloMet),
            CostUsd = forecast.Totals.CostUsd,
            EnergyKWh = forecast.Totals.EnergyKWh,
            CarbonKg = forecast.Totals.CarbonKg,
        };
    }

    /// <summary>The rows with the Pareto front of cost against p99 marked, among stable rows with both known.</summary>
    public static IReadOnlyList<SweepRow> MarkFront(IReadOnlyList<SweepRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var candidates = rows.Where(r => r.Stable && r.CostUsd is not null && r.P99Ms is not null).ToList();
        return [.. rows.Select(r => r with
        {
            Pareto = candidates.Contains(r) && !candidates.Any(o => !ReferenceEquals(o, r)
                && o.CostUsd <= r.CostUsd && o.P99Ms <= r.P99Ms && (o.CostUsd < r.CostUsd || o.P99Ms < r.P99Ms)),
        })];
    }

    /// <summary>
    /// The table as a workbook (sheet "Sweep"): the CSV's columns, numbers as numbers (USD as currency), an unknown figure
    /// an empty cell, never a zero.
    /// </summary>
    public static void Xlsx(SweepResult result, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(stream);
        var (headers, rows) = Table(result);
        var sheet = rows.Select(row => (IDictionary<string, object?>)headers.Zip(row).ToDictionary(c => c.First, c => c.Second, StringComparer.Ordinal)).ToList();
        var columns = new[]
        {
            new MiniExcelLibs.Attributes.DynamicExcelColumn("Variant") { Width = 60 },
            new MiniExcelLibs.Attributes.DynamicExcelColumn("p99 (ms)") { Format = "#,##0.000", Width = 12 },
            new MiniExcelLibs.Attributes.DynamicExcelColumn(headers[6]) { Format = "$#,##0.00", Width = 26 },
            new MiniExcelLibs.Attributes.DynamicExcelColumn("Energy (kWh)") { Format = "#,##0.0", Width = 14 },
            new MiniExcelLibs.Attributes.DynamicExcelColumn("Carbon (kg CO2e)") { Format = "#,##0.0", Width = 16 },
            new MiniExcelLibs.Attributes.DynamicExcelColumn("Reason") { Width = 80 },
        };
        MiniExcelLibs.MiniExcel.SaveAs(stream, new Dictionary<string, object?> { ["Sweep"] = sheet }, configuration: new MiniExcelLibs.OpenXml.OpenXmlConfiguration { DynamicColumns = columns });
    }

    /// <summary>The table as CSV: a header in words with units, one line per variant.</summary>
    public static string Csv(SweepResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        static string Cell(object? value) => value switch
        {
            null => string.Empty,
            double number => number.ToString("0.###", CultureInfo.InvariantCulture),
            int whole => whole.ToString(CultureInfo.InvariantCulture),
            string text when text.Contains(',', StringComparison.Ordinal) || text.Contains('"', StringComparison.Ordinal) => $"\"{text.Replace("\"", "\"\"", StringComparison.Ordinal)}\"",
            _ => value.ToString() ?? string.Empty,
        };
        var (headers, rows) = Table(result);
        var lines = new List<string> { string.Join(',', headers) };
        lines.AddRange(rows.Select(row => string.Join(',', row.Select(Cell))));
        return string.Join('\n', lines) + "\n";
    }

    /// <summary>The table both exports write: headers in words with units, and each row's values (numbers as numbers, an unknown figure null, never 0).</summary>
    private static (string[] Headers, IEnumerable<object?[]> Rows) Table(SweepResult result)
    {
        var cost = result.Mode == SweepDocument.Forecast ? "Cost over the horizon (USD)" : "Cost per month (USD)";
        string[] headers = ["Index", "Variant", "Stable", "Devices", "p99 (ms)", "SLO met", cost, "Energy (kWh)", "Carbon (kg CO2e)", "Pareto", "Reason"];
        return (headers, result.Rows.Select(r => new object?[]
        {
            r.Index, r.Variant, r.Stable ? "yes" : "no", r.Devices, r.P99Ms, r.SloMet switch { true => "yes", false => "no", _ => null },
            r.CostUsd, r.EnergyKWh, r.CarbonKg, r.Pareto ? "yes" : "no", r.Reason,
        }));
    }
}
