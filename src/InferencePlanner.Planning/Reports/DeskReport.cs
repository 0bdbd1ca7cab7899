using System.Globalization;
using InferencePlanner.Core.Catalog;
using InferencePlanner.Core.Llm;
using InferencePlanner.Core.Profiles;
using InferencePlanner.Core.Scenarios;
using InferencePlanner.Planning.Economics;
using InferencePlanner.Planning.Forecasting;
using InferencePlanner.Simulation.Engine;

namespace InferencePlanner.Planning.Reports;

/// <summary>
/// One scenario seen from three desks: the forecast once, then its fleet repriced (never re-sized: sizing depends on
/// none of these) at each pricing for finance, at other PUEs and regions for sustainability, and each pool's bound for
/// the infra lead; with a sentence a person can hand on.
/// </summary>
public sealed record DeskReport
{
    public required string Scenario { get; init; }

    /// <summary>The first month in one sentence: devices, where, the load they serve, the SLO verdict, cost and carbon.</summary>
    public required string Summary { get; init; }

    public required ForecastResult Forecast { get; init; }

    /// <summary>For each pool, what bounds its work: compute or memory, and from what.</summary>
    public required IReadOnlyList<PoolBound> Bounds { get; init; }

    /// <summary>The fleet at each pricing: month 0 and the horizon; null where a price is unknown.</summary>
    public required IReadOnlyList<DeskVariant> Pricings { get; init; }

    /// <summary>The fleet at other PUEs (the scenario's as listed first).</summary>
    public required IReadOnlyList<DeskVariant> Pues { get; init; }

    /// <summary>The fleet's cloud pools moved to other regions that price its devices (the scenario's first).</summary>
    public required IReadOnlyList<DeskVariant> Regions { get; init; }

    /// <summary>For generative scenarios, USD per million output tokens in month 0 (mean output tokens × queries); else null.</summary>
    public double? CostPerMillionOutputTokensUsd { get; init; }

    /// <summary>The PUEs set side by side on the sustainability desk beside the regions' own.</summary>
    public static readonly double[] PueWhatIfs = [1.1, 1.3, 1.5];

    /// <summary>At most this many other regions are shown (the lowest-carbon first).</summary>
    public const int MaxRegions = 5;

    public static DeskReport Build(Forecaster forecaster, DeviceCatalog catalog, ProfileStore? profiles, Scenario scenario, ForecastResult forecast, string? baseDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(forecaster);
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(forecast);
        var economics = scenario.Economics ?? new EconomicsSpec();
        var pricings = Core.Catalog.Pricings.ForScenarios.Select(pricing =>
        {
            var variant = scenario with { Economics = economics with { Pricing = pricing }, Pools = [.. scenario.Pools!.Select(p => p with { Pricing = p.Owned is null && p.Edge != true ? pricing : p.Pricing })] };
            return Of(pricing, forecaster.Reprice(variant, forecast, baseDirectory));
        }).ToList();

        var listedPue = Of("as listed: " + Describe(scenario, catalog), forecast);
        var pues = new List<DeskVariant> { listedPue };
        pues.AddRange(PueWhatIfs.Select(pue => Of(FormattableString.Invariant($"PUE {pue:0.0#}"),
            forecaster.Reprice(scenario with { Economics = economics with { WhatIf = (economics.WhatIf ?? new WhatIfSpec()) with { Pue = pue } } }, forecast, baseDirectory))));

        var regions = new List<DeskVariant> { Of("as listed", forecast) };
        var cloud = (scenario.Pools ?? []).Where(p => p.Edge != true && p.Owned is null && p.Device is not null).ToList();
        var devices = cloud.Select(p => p.Device!).Distinct(StringComparer.Ordinal).ToList();
        var listedRegions = cloud.Select(p => p.Region).ToHashSet(StringComparer.Ordinal);
        var candidates = catalog.Regions
            .Where(r => !listedRegions.Contains(r.Id) && r.GridGramsCo2PerKwh.Effective is not null
                && devices.All(d => catalog.PricesFor(d).Any(p => p.Region == r.Id && p.UsdPerAcceleratorHour.Effective is not null)))
            .OrderBy(r => r.GridGramsCo2PerKwh.Effective).ThenBy(r => r.Id, StringComparer.Ordinal).Take(MaxRegions);
        foreach (var region in candidates)
        {
            var moved = scenario with { Pools = [.. scenario.Pools!.Select(p => cloud.Contains(p) ? p with { Region = region.Id } : p)] };
            var pue = economics.WhatIf?.Pue is { } whatIfPue ? FormattableString.Invariant($"PUE {whatIfPue:0.0#} (what-if)") : FormattableString.Invariant($"PUE {region.Pue.Effective:0.0##}");
            var grid = economics.WhatIf is { GridGramsCo2PerKwh: not null } or { HourlyGridGramsCo2PerKwh: not null } ? "grid as the what-if" : FormattableString.Invariant($"grid {region.GridGramsCo2PerKwh.Effective:N0} g/kWh");
            regions.Add(Of($"{region.Id} ({grid}, {pue})", forecaster.Reprice(moved, forecast, baseDirectory)));
        }

        var first = forecast.Months[0];
        // The bounds of the fleet as month 0 runs it: each generative pool at the tensor-parallel degree it was sized at.
        var model = forecaster.Compile(scenario with
        {
            Pools = [.. scenario.Pools!.Select(p => p.Llm is { } llm && first.Pools.FirstOrDefault(f => f.Name == p.Name)?.TensorParallel is { } tp ? p with { Llm = llm with { TensorParallel = tp } } : p)],
        }, baseDirectory);
        var outputTokens = model.HasLlmPools ? MeanOutputTokens(model) : null;
        return new DeskReport
        {
            Scenario = forecast.Scenario,
            Summary = Sentence(first, scenario),
            Forecast = forecast,
            Bounds = [.. model.Pools.Select(p => Bound(p, model, profiles))],
            Pricings = pricings,
            Pues = pues,
            Regions = regions,
            CostPerMillionOutputTokensUsd = outputTokens is { } tokens && first.CostUsd is { } cost && first.Queries > 0 ? cost / (first.Queries * tokens / 1e6) : null,
        };
    }

    /// <summary>"8 nvidia-h100-sxm in aws-us-east-1 serve 50 queries/s within the SLO for 71,823 USD/month and 1.86 t CO2e."</summary>
    public static string Sentence(MonthForecast month, Scenario scenario)
    {
        ArgumentNullException.ThrowIfNull(month);
        ArgumentNullException.ThrowIfNull(scenario);
        if (month.Unmet is { } unmet)
        {
            return $"No fleet meets the SLO in month {month.Month}: {unmet}.";
        }

        var fleets = month.Pools.Where(p => p.Count > 0).Select(p =>
        {
            var devices = p.Count * (p.TensorParallel ?? 1);
            var where = p.Edge ? "on users' devices" : p.Region is { } region ? $"in {region}" : "(no region)";
            return string.Create(CultureInfo.InvariantCulture, $"{devices:N0} {p.Device ?? "servers"}{(p.TensorParallel is > 1 ? $" (TP{p.TensorParallel})" : string.Empty)} {where}");
        }).ToList();
        var unit = (scenario.Pools ?? []).Any(p => p.Llm is not null) ? "requests/s" : "queries/s";
        var verdict = month.SloMet ? "within the SLO" : "missing the SLO";
        var cost = month.CostUsd is { } usd ? string.Create(CultureInfo.InvariantCulture, $"{usd:N0} USD/month") : "an unknown cost (a price is missing)";
        return string.Create(CultureInfo.InvariantCulture,
            $"{Join(fleets)} serve {month.PeakRatePerSecond:#,0.##} {unit} {verdict} for {cost} and {month.CarbonKg / 1000:N2} t CO2e (month {month.Month}).");
    }

    private static string Join(List<string> parts) => parts.Count switch
    {
        0 => "No devices",
        1 => parts[0],
        _ => string.Join(", ", parts.Take(parts.Count - 1)) + " and " + parts[^1],
    };

    private static string Describe(Scenario scenario, DeviceCatalog catalog) =>
        scenario.Economics?.WhatIf?.Pue is { } pue
            ? FormattableString.Invariant($"PUE {pue:0.0#} (what-if)")
            : string.Join(", ", (scenario.Pools ?? []).Where(p => p.Region is not null).Select(p => p.Region!).Distinct(StringComparer.Ordinal)
                .Select(id => catalog.TryGetRegion(id, out var r) ? FormattableString.Invariant($"{id} PUE {r.Pue.Effective:0.0##}") : id));

    private static DeskVariant Of(string name, ForecastResult f) => new(name, f.Months[0].CostUsd, f.Totals.CostUsd, f.Months[0].EnergyKWh,
        f.Months[0].OperationalCarbonKg, f.Months[0].EmbodiedCarbonKg, f.Months[0].GramsCo2PerQuery, f.Totals.CarbonKg) { EdgeEnergyKWhMonth0 = f.Months[0].EdgeEnergyKWh };

    private static double? MeanOutputTokens(SimulationModel model)
    {
        var output = model.Scenario.Workload?.Tokens?.Output;
        return output?.Mean is { } mean ? Math.Min(mean, output.Max ?? double.MaxValue)
            : model.Trace is { Count: > 0 } trace ? trace.GeneratedTokens.Average() : null;
    }

    /// <summary>What bounds a pool: a generative pool's decode and prefill steps from its step model; a projected profile's bound; else unknown.</summary>
    private static PoolBound Bound(PoolModel pool, SimulationModel model, ProfileStore? profiles)
    {
        if (pool.Llm is { } llm)
        {
            if (llm.Step is not OperatorStepModel step)
            {
                return new PoolBound(pool.Name, null, "unknown: its steps are measured end to end on this machine, not by operator");
            }

            var capacity = LlmCapacity.PerReplica(llm, model.Scenario.Workload?.Tokens?.Input?.Mean ?? 1000, model.Scenario.Workload?.Tokens?.Output?.Mean ?? 200);
            var context = (model.Scenario.Workload?.Tokens?.Input?.Mean ?? 1000) + ((model.Scenario.Workload?.Tokens?.Output?.Mean ?? 200) / 2);
            var decode = step.Bound(LlmBatch.Decode(capacity.Sequences, context));
            var prefill = step.Bound(LlmBatch.Prefill((int)Math.Min(llm.MaxBatchedTokens, model.Scenario.Workload?.Tokens?.Input?.Mean ?? 1000)));
            return new PoolBound(pool.Name, decode, string.Create(CultureInfo.InvariantCulture,
                $"decode steps at {capacity.Sequences} sequences are {decode}-bound, prefill steps {prefill}-bound (the operator sum of {pool.Device} TP{pool.Spec.Llm?.TensorParallel ?? 1})"));
        }

        if (pool.Spec.Service?.Profile?.Id is { } id && profiles is not null && profiles.TryGet(id, out var profile) && profile.Bound is { } bound)
        {
            return new PoolBound(pool.Name, bound, $"{bound}-bound at its largest batch (profile {id})");
        }

        return new PoolBound(pool.Name, null, "unknown: its service time is given as a distribution or a measured profile, not projected from the device");
    }
}

/// <summary>A pool's bound ("compute", "memory", or null when unknown) and why.</summary>
public sealed record PoolBound(string Pool, string? Bound, string Basis);

/// <summary>
/// The fleet under one variant: month 0 and horizon cost (null when unknown), month 0 energy of the fleet's own devices
/// (kWh; the users' devices apart) and carbon (kg, the users' devices included), g CO2e per query.
/// </summary>
public sealed record DeskVariant(string Name, double? CostUsdMonth0, double? CostUsdTotal, double EnergyKWhMonth0, double OperationalCarbonKgMonth0, double EmbodiedCarbonKgMonth0, double GramsCo2PerQueryMonth0, double CarbonKgTotal)
{
    /// <summary>Month 0's energy on the users' own devices (edge pools), kWh.</summary>
    public double EdgeEnergyKWhMonth0 { get; init; }
}
