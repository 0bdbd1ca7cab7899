using InferencePlanner.Core.Catalog;
using InferencePlanner.Core.Economics;
using InferencePlanner.Core.Profiles;
using InferencePlanner.Core.Scenarios;
using InferencePlanner.Planning.Economics;
using InferencePlanner.Planning.Growth;
using InferencePlanner.Planning.Sizing;
using InferencePlanner.Simulation.Engine;
using InferencePlanner.Simulation.Workload;

namespace InferencePlanner.Planning.Forecasting;

public sealed record ForecastOptions
{
    /// <summary>Measured queries per sizing simulation.</summary>
    public long SizingQueries { get; init; } = 100_000;

    /// <summary>Months sized at once; null = one per core. Results do not depend on it.</summary>
    public int? MaxDegreeOfParallelism { get; init; }

    /// <summary>The most servers (replicas) a pool may be sized to; a month that needs more cannot be met.</summary>
    public int MaxServersPerPool { get; init; } = ScenarioLimits.MaxServersPerPool;

    public IProgress<double>? Progress { get; init; }

    /// <summary>Stops the sizing runs where they are (an <see cref="OperationCanceledException"/>).</summary>
    public CancellationToken Cancellation { get; init; }
}

/// <summary>
/// Month by month: the peak rate from the growth model, each pool sized to the smallest count that meets the
/// SLO at that peak (plus headroom), and what that fleet costs, draws and emits over the month. A scenario is
/// compiled once (validated, its trace loaded, its generative pools projected); every month and every sizing
/// run varies that compiled model.
/// </summary>
public sealed class Forecaster
{
    private readonly DeviceCatalog _catalog;
    private readonly ProfileStore _profiles;
    private readonly FleetPricer _pricer;

    public Forecaster(DeviceCatalog catalog, ProfileStore? profiles = null)
    {
        _catalog = catalog ?? throw new ArgumentNullException(nameof(catalog));
        _profiles = profiles ?? ProfileStore.Empty;
        _pricer = new FleetPricer(catalog);
    }

    /// <summary>Compiles <paramref name="scenario"/> against this forecaster's catalog and profiles (relative trace paths under <paramref name="baseDirectory"/>).</summary>
    public SimulationModel Compile(Scenario scenario, string? baseDirectory = null) => SimulationModel.Compile(scenario, _catalog, baseDirectory, _profiles);

    public ForecastResult Forecast(Scenario scenario, ForecastOptions? options = null, string? baseDirectory = null, CancellationToken cancellation = default) =>
        Forecast(Compile(scenario, baseDirectory), options, cancellation);

    /// <summary>Every month of the scenario's growth, sized and priced (months in parallel; results do not depend on it).</summary>
    public ForecastResult Forecast(SimulationModel model, ForecastOptions? options = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= new ForecastOptions();
        if (cancellation.CanBeCanceled)
        {
            options = options with { Cancellation = cancellation };
        }

        var context = Prepare(model);
        var growth = new GrowthModel(model.Scenario.Growth);
        var per = PiecesPerMonth(model.Scenario);
        var bands = per > 1 ? growth.Bands(model.Seed) : null;

        var pieces = new MonthForecast[growth.Months * per];
        var done = 0;
        Parallel.For(0, growth.Months, new ParallelOptions { MaxDegreeOfParallelism = options.MaxDegreeOfParallelism ?? Environment.ProcessorCount, CancellationToken = options.Cancellation }, m =>
        {
            for (var band = 0; band < per; band++)
            {
                pieces[(m * per) + band] = ForecastMonth(context, growth, m, Multiplier(growth, bands, m, band), options);
            }

            options.Progress?.Report((double)Interlocked.Increment(ref done) / growth.Months);
        });

        return Combine(context, pieces, per, context.Warnings);
    }

    /// <summary>
    /// Pieces a forecast is cut into per month: the month at its expected growth, and with growth uncertainty also at
    /// the P10, P90 and P50 of growth (four). Each piece is a pure function of the scenario, the month and the band.
    /// </summary>
    public static int PiecesPerMonth(Scenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        return scenario.Growth?.MonthlyGrowthSdPercent is > 0 ? 4 : 1;
    }

    /// <summary>Months of the scenario's forecast.</summary>
    public static int Months(Scenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        return new GrowthModel(scenario.Growth).Months;
    }

    /// <summary>
    /// One piece of a forecast (a chunk that can run anywhere): month <paramref name="month"/> sized and priced at
    /// band <paramref name="band"/> (0 = expected growth, 1 = P10, 2 = P90, 3 = P50), with the warnings it raised.
    /// <see cref="Assemble"/> joins the pieces into exactly what <see cref="Forecast(SimulationModel, ForecastOptions?, CancellationToken)"/> gives.
    /// </summary>
    public ForecastPiece Piece(SimulationModel model, int month, int band, ForecastOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var growth = new GrowthModel(model.Scenario.Growth);
        var per = PiecesPerMonth(model.Scenario);
        ArgumentOutOfRangeException.ThrowIfNegative(month);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(month, growth.Months);
        ArgumentOutOfRangeException.ThrowIfNegative(band);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(band, per);
        var context = Prepare(model);
        var bands = per > 1 ? growth.Bands(model.Seed) : null;
        var piece = ForecastMonth(context, growth, month, Multiplier(growth, bands, month, band), options ?? new ForecastOptions());
        return new ForecastPiece(piece, [.. context.Warnings.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)]);
    }

    /// <summary>The forecast from its pieces, month by month and band by band in order (as <see cref="Piece"/> numbers them).</summary>
    public ForecastResult Assemble(SimulationModel model, IReadOnlyList<ForecastPiece> pieces)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(pieces);
        var per = PiecesPerMonth(model.Scenario);
        var expected = Months(model.Scenario) * per;
        if (pieces.Count != expected)
        {
            throw new ArgumentException($"a forecast of {expected} pieces was given {pieces.Count}", nameof(pieces));
        }

        var context = Prepare(model);
        return Combine(context, [.. pieces.Select(p => p.Month)], per, context.Warnings.Concat(pieces.SelectMany(p => p.Warnings)));
    }

    private static double Multiplier(GrowthModel growth, IReadOnlyList<(double P10, double P50, double P90)>? bands, int month, int band) => band switch
    {
        0 => growth.Multiplier(month),
        1 => bands![month].P10,
        2 => bands![month].P90,
        _ => bands![month].P50,
    };

    /// <summary>The months (with their growth bands where the pieces hold them), the totals, the warnings and the assumptions.</summary>
    private ForecastResult Combine(Context context, MonthForecast[] pieces, int per, IEnumerable<string> warnings)
    {
        var scenario = context.Model.Scenario;
        var notes = warnings.ToList();
        var months = new MonthForecast[pieces.Length / per];
        for (var m = 0; m < months.Length; m++)
        {
            var month = pieces[m * per];
            if (per > 1)
            {
                var (low, high, mid) = (pieces[(m * per) + 1], pieces[(m * per) + 2], pieces[(m * per) + 3]);
                // A percentile whose fleet cannot meet the SLO claims no energy or carbon: the band is then unknown, never 0.
                var met = low.Unmet is null && mid.Unmet is null && high.Unmet is null;
                month = month with
                {
                    PeakRateBand = new Band(low.PeakRatePerSecond, mid.PeakRatePerSecond, high.PeakRatePerSecond),
                    CostBand = low.CostUsd is { } l && mid.CostUsd is { } m50 && high.CostUsd is { } h ? new Band(l, m50, h) : null,
                    EnergyBand = met ? new Band(low.EnergyKWh + low.EdgeEnergyKWh, mid.EnergyKWh + mid.EdgeEnergyKWh, high.EnergyKWh + high.EdgeEnergyKWh) : null,
                    CarbonBand = met ? new Band(low.CarbonKg, mid.CarbonKg, high.CarbonKg) : null,
                };
            }

            months[m] = month;
        }

        if (months.All(m => m.Unmet is not null))
        {
            throw new UnreachableSloException(months[0].Unmet!);
        }

        if (months.Where(m => m.Unmet is not null).Select(m => m.Month).ToList() is { Count: > 0 } unmet)
        {
            notes.Add($"the SLO cannot be met in month{(unmet.Count > 1 ? "s" : string.Empty)} {string.Join(", ", unmet)}: the cost total is unknown, and the energy and carbon totals leave those months out");
        }

        return new ForecastResult
        {
            Scenario = scenario.Name ?? "scenario",
            Months = months,
            Totals = new ForecastTotals(KnownSum(months.Select(m => m.CostUsd)), months.Sum(m => m.EnergyKWh + m.EdgeEnergyKWh), months.Sum(m => m.CarbonKg), months.Sum(m => m.Queries))
            {
                CostBand = SumOfBands(months.Select(m => m.CostBand)),
                EnergyBand = SumOfBands(months.Select(m => m.EnergyBand)),
                CarbonBand = SumOfBands(months.Select(m => m.CarbonBand)),
            },
            Warnings = notes.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList(),
            EnergyAssumptions = FleetPricer.EnergyAssumptions(scenario),
            WhatIfs = _pricer.WhatIfAssumptions(scenario),
            StepTimes = [.. context.Model.Pools.Where(p => p.Llm?.Step.Provenance is { Length: > 0 }).Select(p => $"{p.Name}: {p.Llm!.Step.Provenance}")],
        };
    }

    public MonthEvaluation Evaluate(Scenario scenario, Simulation.Results.SimulationResult result, string? baseDirectory = null) =>
        Evaluate(Compile(scenario, baseDirectory), result);

    /// <summary>
    /// A month of the fleet exactly as the scenario lists it (no sizing), at the utilization a simulation of it
    /// measured: what it costs, draws and emits. The compare page puts scenarios side by side with it.
    /// </summary>
    public MonthEvaluation Evaluate(SimulationModel model, Simulation.Results.SimulationResult result)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(result);
        var context = Prepare(model, sizing: false);
        var pricing = context.Pricing with { MeanToPeak = 1 };
        var pools = model.Pools.Select((pool, i) =>
        {
            var simulated = result.Pools.Count > i ? result.Pools[i] : null;
            return Forecast(pool, pool.Servers, pool.Servers, simulated?.ThroughputPerSecond ?? 0, simulated?.Utilization ?? 0, simulated?.PowerActivity ?? 0, null, 0, pricing) with
            {
                LatencyMsP50 = simulated?.LatencyMs.P50 ?? 0,
                LatencyMsP99 = simulated?.LatencyMs.P99 ?? 0,
            };
        }).ToList();
        var month = Totals(0, context.PeakRate, pools, result.ThroughputPerSecond * FleetEconomics.HoursPerMonth * 3600) with
        {
            LatencyMsP50 = result.LatencyMs.P50,
            LatencyMsP99 = result.LatencyMs.P99,
            SloMet = result.SloMet ?? true,
            Utilization = result.Utilization,
        };
        return new MonthEvaluation(month, EnergyKnown(model), [.. context.Warnings.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)]) { WhatIfs = _pricer.WhatIfAssumptions(model.Scenario) };
    }

    /// <summary>
    /// <paramref name="forecast"/>'s fleet, month by month, priced and powered as <paramref name="variant"/> says (another
    /// pricing, region, PUE or grid): the counts, rates and measured activity stay; cost, energy and carbon follow the
    /// variant. Sizing does not depend on any of these, so this is what forecasting the variant would give, without the
    /// simulations. Pools are matched by name; the variant must list the same pools.
    /// </summary>
    public ForecastResult Reprice(Scenario variant, ForecastResult forecast, string? baseDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(variant);
        ArgumentNullException.ThrowIfNull(forecast);
        var model = Compile(variant, baseDirectory);
        var context = Prepare(model);
        var byName = model.Pools.ToDictionary(p => p.Name, StringComparer.Ordinal);
        var months = forecast.Months.Select(month =>
        {
            if (month.Unmet is not null)
            {
                return month;
            }

            var pools = month.Pools.Select(listed =>
            {
                if (!byName.TryGetValue(listed.Name, out var pool))
                {
                    throw new ScenarioException("$.pools", $"the variant has no pool '{listed.Name}'");
                }

                // A generative pool keeps the tensor-parallel degree its month was sized at.
                var spec = pool.Spec.Llm is { } llm && listed.TensorParallel is { } tp ? pool.Spec with { Llm = llm with { TensorParallel = tp } } : pool.Spec;
                var cost = _pricer.Price(spec, listed.Count, listed.PowerActivity ?? listed.Utilization, month.Month, context.Pricing);
                return listed with
                {
                    Region = spec.Region,
                    Pricing = cost.Pricing,
                    UsdPerDeviceHour = cost.UsdPerDeviceHour,
                    PriceSource = cost.PriceSource,
                    CostUsd = listed.Count == 0 && !listed.Edge ? 0 : cost.CostUsd,
                    EnergyKWh = listed.Count == 0 ? 0 : cost.EnergyKWh,
                    OperationalCarbonKg = listed.Count == 0 ? 0 : cost.OperationalCarbonKg,
                    EmbodiedCarbonKg = listed.Count == 0 ? 0 : cost.EmbodiedCarbonKg,
                    Power = cost.Power,
                };
            }).ToList();
            return Totals(month.Month, month.PeakRatePerSecond, pools, month.Queries) with
            {
                LatencyMsP50 = month.LatencyMsP50,
                LatencyMsP99 = month.LatencyMsP99,
                SloMet = month.SloMet,
                Utilization = month.Utilization,
            };
        }).ToArray();
        return forecast with
        {
            Months = months,
            Totals = new ForecastTotals(KnownSum(months.Select(m => m.CostUsd)), months.Sum(m => m.EnergyKWh + m.EdgeEnergyKWh), months.Sum(m => m.CarbonKg), months.Sum(m => m.Queries)),
            Warnings = context.Warnings.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList(),
            EnergyAssumptions = FleetPricer.EnergyAssumptions(variant),
            WhatIfs = _pricer.WhatIfAssumptions(variant),
        };
    }

    /// <summary>One month (default: month 0) sized at its peak, for the <c>size</c> command, with what could not be priced or powered.</summary>
    public MonthEvaluation Size(Scenario scenario, int month = 0, ForecastOptions? options = null, string? baseDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        var model = Compile(scenario, baseDirectory);
        var context = Prepare(model);
        var growth = new GrowthModel(scenario.Growth);
        var sized = ForecastMonth(context, growth, month, growth.Multiplier(month), options ?? new ForecastOptions());
        if (sized.Unmet is { } reason)
        {
            throw new UnreachableSloException(reason);
        }

        return new MonthEvaluation(sized, EnergyKnown(model), [.. context.Warnings.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)]) { WhatIfs = _pricer.WhatIfAssumptions(scenario) };
    }

    /// <summary>Whether every pool's device has known power figures (else its energy and operational carbon are left out).</summary>
    private bool EnergyKnown(SimulationModel model) => model.Pools.All(p => p.Device is { } id && _catalog.TryGetDevice(id, out var device)
        && device.TdpWatts.Effective is not null && device.IdleWatts.Effective is not null);

    private static Context Prepare(SimulationModel model, bool sizing = true)
    {
        var scenario = model.Scenario;
        if (scenario.Slo?.LatencyMs is null && scenario.Slo?.TtftMs is null && scenario.Slo?.TpotMs is null && sizing)
        {
            throw new ScenarioException("$.slo.latencyMs", "sizing needs a latency target (or, for generative pools, ttftMs and tpotMs)");
        }

        // Months split traffic by weight, else capacity; a pool with neither (generative, routed by load) leaves no
        // split to size for unless the cheapest mix chooses one.
        var routable = model.Pools.Where(p => !p.IsEdge).ToList();
        if (sizing && routable.Count > 1 && scenario.Economics?.Mix is null && routable.FirstOrDefault(p => !double.IsFinite(p.RoutingWeight)) is { } unsplit)
        {
            throw new ScenarioException($"$.pools[{unsplit.Index}].weight",
                $"a forecast splits traffic over the pools by weight, else capacity, and generative pool '{unsplit.Name}' has no fixed capacity: give every pool a weight, or let economics.mix choose the split");
        }

        var arrivals = model.CreateArrivals(0);
        var span = model.ExpectedSpanSeconds(arrivals.MeanRate(7 * 86_400));
        var peak = scenario.Workload!.Arrivals!.Kind switch
        {
            ScenarioNames.Bursts => scenario.Workload.Arrivals.BurstRatePerSecond!.Value,
            ScenarioNames.Diurnal => arrivals.PeakRate(0),
            _ => arrivals.PeakRate(span),
        };
        var mean = scenario.Workload.Arrivals.Kind == ScenarioNames.Diurnal ? arrivals.MeanRate(7 * 86_400) : arrivals.MeanRate(span);
        var daily = scenario.Workload.Arrivals.Kind == ScenarioNames.Diurnal && arrivals is DiurnalArrivals d
            ? Enumerable.Range(0, 24).Select(h => d.Rate(h * 3600.0) / peak).ToArray()
            : Enumerable.Repeat(mean / peak, 24).ToArray();
        return new Context(model, peak, new PricingContext(scenario, mean / peak, daily, []));
    }

    private MonthForecast ForecastMonth(Context context, GrowthModel growth, int month, double multiplier, ForecastOptions options)
    {
        var model = context.Model;
        var scenario = model.Scenario;
        var economics = scenario.Economics;
        var slo = SloTarget.From(scenario.Slo!);
        var peak = context.PeakRate * multiplier;
        var factor = growth.ServiceFactor(month);
        var available = model.Pools.Where(p => (p.Spec.AvailableFromMonth ?? 0) <= month).Select(p => Adjust(p, month, factor, scenario.Growth)).ToList();
        var offload = scenario.Routing?.Offload;
        var edgeShare = offload?.Share ?? 0;
        var routable = available.Where(p => !p.IsEdge).ToList();
        var sizer = new PoolSizer(model.Seed, options.SizingQueries, maxServers: options.MaxServersPerPool, cancellation: options.Cancellation);

        // The traffic not offloaded is split as weighted routing splits it: by weight, else by the listed fleet's capacity.
        var split = StabilityCheck.RoutingShares(routable);
        var shares = available.ToDictionary(p => p.Name, p => p.IsEdge ? edgeShare : 0.0, StringComparer.Ordinal);
        for (var i = 0; i < routable.Count; i++)
        {
            shares[routable[i].Name] = (1 - edgeShare) * split[i];
        }

        if (economics?.Mix is { } mix && routable.Count > 1)
        {
            MixResult optimized;
            try
            {
                optimized = new MixOptimizer(sizer, _pricer, model).Optimize(routable, peak * (1 - edgeShare), slo, mix, month);
            }
            catch (UnreachableSloException ex)
            {
                return Unmet(month, peak, available, $"month {month}: {ex.Message}", context);
            }

            foreach (var name in optimized.Unpriced)
            {
                context.Warnings.Add($"pool '{name}': left out of the cheapest mix: its price is unknown");
            }

            var (counts, unit) = (optimized.Counts, optimized.CapacityPerServer);
            var capacity = routable.Sum(p => counts[p.Name] * unit[p.Name]);
            foreach (var p in routable)
            {
                shares[p.Name] = (1 - edgeShare) * counts[p.Name] * unit[p.Name] / capacity;
            }
        }

        var pools = new List<PoolForecast>();
        foreach (var listed in available)
        {
            var pool = listed;
            var share = shares[pool.Name];
            if (share <= 0)
            {
                pools.Add(new PoolForecast { Name = pool.Name, Device = pool.Device, Region = pool.Region, Count = 0, CostUsd = 0, Edge = pool.IsEdge });
                continue;
            }

            var rate = peak * share;
            var rtt = pool.IsEdge ? offload?.NetworkRttMs ?? 0 : 0;
            SizingResult sized;
            IReadOnlyList<ParallelismAlternative>? alternatives = null;
            if (pool.IsEdge)
            {
                // An edge pool is its users' devices: the listed population grows with the traffic they make and is
                // never sized (least of all down); its SLO is checked at that population.
                var population = Math.Ceiling(pool.Servers * multiplier);
                if (population > options.MaxServersPerPool)
                {
                    return Unmet(month, peak, available, $"month {month}: edge pool '{pool.Name}' grows to {population:N0} devices, beyond the {options.MaxServersPerPool:N0} a pool may simulate", context);
                }

                sized = sizer.Check(model, pool, rate, slo, (int)population, rtt);
                if (sized.Check.SloMet != true)
                {
                    context.Warnings.Add($"month {month}: edge pool '{pool.Name}' ({population:N0} devices) misses {slo.Describe(slo.LatencyMs - rtt)} at {rate:G4} queries/s: {slo.Achieved(sized.Check)}");
                }
            }
            else
            {
                try
                {
                    if (pool.Llm is not null && pool.ParallelismOpen)
                    {
                        (pool, sized, alternatives) = SizeParallelism(model, pool, rate, slo, rtt, sizer);
                    }
                    else
                    {
                        sized = sizer.Size(model, pool, rate, slo, rtt);
                    }
                }
                catch (UnreachableSloException ex)
                {
                    return Unmet(month, peak, available, $"month {month}: {ex.Message}", context);
                }
            }

            var count = pool.IsEdge ? sized.Count : WithHeadroom(sized.Count, scenario.Growth?.Headroom);
            var utilization = sized.Check.Utilization * sized.Count / count;
            var activity = sized.Check.PowerActivity * sized.Count / count;
            pools.Add(Forecast(pool, count, sized.Count, rate, utilization, activity, sized, month, context.Pricing) with
            {
                LatencyMsP50 = sized.Check.LatencyMs.P50 + rtt,
                LatencyMsP99 = sized.Check.LatencyMs.P99 + rtt,
                SloMet = sized.Check.SloMet == true,
                Alternatives = alternatives,
            });
        }

        var served = pools.Where(p => p.Count > 0).ToList();
        var weightTotal = served.Sum(p => p.RatePerSecond);
        return Totals(month, peak, pools, peak * context.Pricing.MeanToPeak * FleetEconomics.HoursPerMonth * 3600) with
        {
            LatencyMsP50 = served.Count == 0 ? 0 : served.Max(p => p.LatencyMsP50),
            LatencyMsP99 = served.Count == 0 ? 0 : served.Max(p => p.LatencyMsP99),
            SloMet = served.Count > 0 && served.All(p => p.SloMet),
            Utilization = weightTotal > 0 ? served.Sum(p => p.Utilization * p.RatePerSecond) / weightTotal : 0,
            Autoscaling = economics?.Autoscaling is { } autoscale ? Autoscale(pools, autoscale, context.Pricing.DailyLoad) : null,
        };
    }

    /// <summary>
    /// A month whose SLO no fleet within the limits meets: said as such, with the reason; no count, cost, energy or
    /// carbon is claimed for it (the other months stand).
    /// </summary>
    private static MonthForecast Unmet(int month, double peak, IReadOnlyList<PoolModel> pools, string reason, Context context)
    {
        context.Warnings.Add(reason);
        return new MonthForecast
        {
            Month = month,
            PeakRatePerSecond = peak,
            Pools = [.. pools.Select(p => new PoolForecast { Name = p.Name, Device = p.Device, Region = p.Region, Count = 0, CostUsd = null, Edge = p.IsEdge })],
            SloMet = false,
            Unmet = reason,
            CostUsd = null,
            CostPerMillionQueriesUsd = null,
        };
    }

    /// <summary>
    /// The months' P10s, P50s and P90s summed: the band of a horizon whose months all sit at the same percentile (growth
    /// paths run high or low for months together); null when any month has no band (no uncertain growth, an unknown cost).
    /// </summary>
    private static Band? SumOfBands(IEnumerable<Band?> bands)
    {
        double p10 = 0, p50 = 0, p90 = 0;
        var any = false;
        foreach (var band in bands)
        {
            if (band is null)
            {
                return null;
            }

            any = true;
            p10 += band.P10;
            p50 += band.P50;
            p90 += band.P90;
        }

        return any ? new Band(p10, p50, p90) : null;
    }

    /// <summary>The sum of costs, or null (unknown) when any is: an unknown price is never counted as zero.</summary>
    internal static double? KnownSum(IEnumerable<double?> costs)
    {
        double sum = 0;
        foreach (var cost in costs)
        {
            if (cost is not { } known)
            {
                return null;
            }

            sum += known;
        }

        return sum;
    }

    /// <summary>A pool's month: its count and load, and what its devices cost, draw and emit.</summary>
    /// <summary>
    /// A generative pool without a listed tensor-parallel degree, sized at each of <see cref="LlmPoolModel.OpenDegrees"/> where
    /// the model fits: the degree needing the fewest devices wins (the smaller degree on a tie: less communication), and
    /// every degree tried is returned with what it needs or why it cannot serve.
    /// </summary>
    private (PoolModel Pool, SizingResult Sized, IReadOnlyList<ParallelismAlternative> Alternatives) SizeParallelism(SimulationModel model, PoolModel pool, double rate, SloTarget slo, double rtt, PoolSizer sizer)
    {
        var tried = new List<(int Tp, PoolModel? Pool, SizingResult? Sized, string Note)>();
        foreach (var tp in LlmPoolModel.OpenDegrees)
        {
            PoolModel candidate;
            try
            {
                candidate = PoolModel.From(pool.Spec with { Llm = pool.Spec.Llm! with { TensorParallel = tp } }, pool.Index, _catalog, _profiles);
            }
            catch (ScenarioException ex)
            {
                tried.Add((tp, null, null, $"does not fit: {ex.Errors[0].Reason}"));
                continue;
            }

            try
            {
                var sized = sizer.Size(model, candidate, rate, slo, rtt);
                tried.Add((tp, candidate, sized, FormattableString.Invariant($"{sized.Count} replica{(sized.Count == 1 ? string.Empty : "s")} × {tp} = {sized.Count * tp} devices ({sized.Method})")));
            }
            catch (UnreachableSloException ex)
            {
                tried.Add((tp, candidate, null, $"cannot meet the SLO: {ex.Message}"));
            }
        }

        var served = tried.Where(t => t.Sized is not null).ToList();
        if (served.Count == 0)
        {
            throw new UnreachableSloException($"generative pool '{pool.Name}' meets the SLO at no tensor-parallel degree: "
                + string.Join("; ", tried.Select(t => $"TP{t.Tp} {t.Note}")));
        }

        var best = served.OrderBy(t => t.Sized!.Count * t.Tp).ThenBy(t => t.Tp).First();
        return (best.Pool!, best.Sized!, [.. tried.Select(t => new ParallelismAlternative(t.Tp, t.Sized?.Count, t.Sized is { } s ? s.Count * t.Tp : null, t.Tp == best.Tp, t.Note))]);
    }

    private PoolForecast Forecast(PoolModel pool, int count, int required, double rate, double peakUtilization, double peakActivity, SizingResult? sized, int month, PricingContext pricing)
    {
        var cost = _pricer.Price(pool.Spec, count, peakActivity, month, pricing);
        return new PoolForecast
        {
            Name = pool.Name,
            Device = pool.Device,
            Region = pool.Region,
            Count = count,
            RequiredCount = required,
            RatePerSecond = rate,
            Utilization = peakUtilization,
            PowerActivity = peakActivity,
            SizingMethod = sized?.Method,
            Pricing = cost.Pricing,
            UsdPerDeviceHour = cost.UsdPerDeviceHour,
            PriceSource = cost.PriceSource,
            CostUsd = cost.CostUsd,
            EnergyKWh = cost.EnergyKWh,
            OperationalCarbonKg = cost.OperationalCarbonKg,
            EmbodiedCarbonKg = cost.EmbodiedCarbonKg,
            Edge = pool.IsEdge,
            Power = cost.Power,
            TensorParallel = pool.Spec.Llm is { } llm ? llm.TensorParallel ?? 1 : null,
        };
    }

    /// <summary>A month's sums over its pools: cost, energy (edge apart), carbon, and their shares per query.</summary>
    private static MonthForecast Totals(int month, double peak, IReadOnlyList<PoolForecast> pools, double queries)
    {
        var cost = KnownSum(pools.Select(p => p.CostUsd));
        var energy = pools.Where(p => !p.Edge).Sum(p => p.EnergyKWh);
        var edgeEnergy = pools.Where(p => p.Edge).Sum(p => p.EnergyKWh);
        var operational = pools.Sum(p => p.OperationalCarbonKg);
        var embodied = pools.Sum(p => p.EmbodiedCarbonKg);
        return new MonthForecast
        {
            Month = month,
            PeakRatePerSecond = peak,
            Pools = pools,
            Queries = queries,
            CostUsd = cost,
            EnergyKWh = energy,
            EdgeEnergyKWh = edgeEnergy,
            OperationalCarbonKg = operational,
            EmbodiedCarbonKg = embodied,
            CarbonKg = operational + embodied,
            CostPerMillionQueriesUsd = cost is null ? null : queries > 0 ? cost / (queries / 1e6) : 0,
            GramsCo2PerQuery = queries > 0 ? (operational + embodied) * 1000 / queries : 0,
            JoulesPerQuery = queries > 0 ? (energy + edgeEnergy) * 3.6e6 / queries : 0,
            CostByPricing = pools.Where(p => p.Pricing is not null).GroupBy(p => p.Pricing!).ToDictionary(g => g.Key, g => KnownSum(g.Select(p => p.CostUsd)), StringComparer.Ordinal),
            CostByRegion = pools.Where(p => p.Region is not null).GroupBy(p => p.Region!).ToDictionary(g => g.Key, g => KnownSum(g.Select(p => p.CostUsd)), StringComparer.Ordinal),
        };
    }

    private static int WithHeadroom(int count, HeadroomSpec? headroom) =>
        headroom is null ? count : (int)Math.Ceiling(count * (1 + ((headroom.Percent ?? 0) / 100))) + (headroom.SpareServers ?? 0);

    /// <summary>
    /// The month's pool: a service switch that has taken effect, then the efficiency factor on its times (a copy of
    /// the compiled pool only when either applies; a generative pool's steps are the projection's, unchanged).
    /// </summary>
    private PoolModel Adjust(PoolModel pool, int month, double factor, GrowthSpec? growth)
    {
        var switched = growth?.ServiceSwitches?.Where(s => s.Pool == pool.Name && s.Month <= month).OrderBy(s => s.Month).LastOrDefault()?.Service;
        if (pool.Llm is not null || (switched is null && factor == 1))
        {
            return pool;
        }

        // A stored profile becomes its points, so that the factor can scale them.
        var service = switched is null ? pool.Service
            : switched.Profile is { } stored ? switched with { Profile = _profiles.Resolve(stored) } : switched;
        var scaled = factor == 1 ? service
            : service.Profile is { } profile
            ? service with
            {
                Profile = profile with
                {
                    Points = profile.Points?.Select(p => p with { LatencyMs = p.LatencyMs * factor }).ToList(),
                    AlphaMs = profile.AlphaMs * factor,
                    BetaMs = profile.BetaMs * factor,
                },
            }
            : service with { MeanMs = service.MeanMs * factor };
        return PoolModel.From(pool.Spec with { Service = scaled }, pool.Index, _catalog, _profiles);
    }

    private static AutoscaleComparison Autoscale(List<PoolForecast> pools, AutoscaleSpec spec, IReadOnlyList<double> dailyLoad)
    {
        // Each hour's fleet scales the peak-sized count by that hour's load (the per-server SLO capacity at the
        // peak carries over); with a scale-up delay the fleet is already sized for the next hour. The work is
        // the same either way: busy device-hours are kept, fewer devices sit idle.
        double staticHours = 0, scaledHours = 0, scaledCarbon = 0, staticCarbon = 0;
        double? scaledCost = 0, staticCost = 0;
        var days = FleetEconomics.HoursPerMonth / 24;
        var top = dailyLoad.Max();
        foreach (var pool in pools.Where(p => !p.Edge && p.Count > 0))
        {
            var deviceHours = 0.0;
            var operational = 0.0;
            for (var h = 0; h < 24; h++)
            {
                var load = dailyLoad[h] / top;
                var next = dailyLoad[(h + 1) % 24] / top;
                var need = (int)Math.Ceiling(pool.Count * ((spec.ScaleUpDelayMinutes ?? 0) > 0 ? Math.Max(load, next) : load));
                var devices = Math.Clamp(need, spec.MinServers ?? 1, Math.Max(spec.MinServers ?? 1, spec.MaxServers ?? pool.Count));
                deviceHours += devices * days;
                if (pool.Power is { } power)
                {
                    var activity = Math.Min(1, (pool.PowerActivity ?? pool.Utilization) * pool.Count * dailyLoad[h] / devices);
                    var kwh = FleetEconomics.EnergyKWh(devices, days, FleetEconomics.PowerWatts(power.IdleWatts, power.TdpWatts, activity), power.Pue);
                    operational += FleetEconomics.OperationalCarbonKg(kwh, power.GridGramsCo2PerKWh);
                }
            }

            var fraction = deviceHours / (pool.Count * FleetEconomics.HoursPerMonth);
            staticHours += pool.Count * FleetEconomics.HoursPerMonth;
            scaledHours += deviceHours;
            staticCost += pool.CostUsd;
            staticCarbon += pool.OperationalCarbonKg + pool.EmbodiedCarbonKg;
            scaledCost += pool.CostUsd * fraction;
            // Cloud devices carry their embodied share only for the hours they are rented.
            scaledCarbon += operational + (pool.EmbodiedCarbonKg * fraction);
        }

        return new AutoscaleComparison(staticHours, scaledHours, scaledCost, scaledCarbon, staticCost - scaledCost, staticCarbon - scaledCarbon);
    }

    /// <summary>A compiled scenario ready for its months: the peak rate (month 0) and what months are priced against.</summary>
    private sealed record Context(SimulationModel Model, double PeakRate, PricingContext Pricing)
    {
        public System.Collections.Concurrent.ConcurrentBag<string> Warnings => Pricing.Warnings;
    }
}

/// <summary>One piece of a forecast: a month at one growth band, and the warnings raised while sizing and pricing it.</summary>
public sealed record ForecastPiece(MonthForecast Month, IReadOnlyList<string> Warnings);

/// <summary>
/// A listed fleet's month: the figures, whether every pool's power is known (else energy and operational carbon
/// leave that pool out), and what was assumed or missing.
/// </summary>
public sealed record MonthEvaluation(MonthForecast Month, bool EnergyKnown, IReadOnlyList<string> Warnings)
{
    /// <summary>The scenario's what-ifs over the catalog, each with the catalog figure it replaces.</summary>
    public IReadOnlyList<string> WhatIfs { get; init; } = [];
}
