using InferencePlanner.Core.Catalog;
using InferencePlanner.Core.Economics;
using InferencePlanner.Core.Profiles;
using InferencePlanner.Core.Scenarios;
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

    public IProgress<double>? Progress { get; init; }
}

/// <summary>
/// Month by month: the peak rate from the growth model, each pool sized to the smallest count that meets the
/// SLO at that peak (plus headroom), and what that fleet costs, draws and emits over the month.
/// </summary>
public sealed class Forecaster
{
    private readonly DeviceCatalog _catalog;
    private readonly ProfileStore _profiles;

    public Forecaster(DeviceCatalog catalog, ProfileStore? profiles = null)
    {
        _catalog = catalog ?? throw new ArgumentNullException(nameof(catalog));
        _profiles = profiles ?? ProfileStore.Empty;
    }

    public ForecastResult Forecast(Scenario scenario, ForecastOptions? options = null, string? baseDirectory = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        options ??= new ForecastOptions();
        var context = Prepare(scenario, baseDirectory);
        var growth = new GrowthModel(scenario.Growth);
        var bands = scenario.Growth?.MonthlyGrowthSdPercent is > 0 ? growth.Bands(scenario.Seed ?? 1) : null;

        var months = new MonthForecast[growth.Months];
        var done = 0;
        Parallel.For(0, growth.Months, new ParallelOptions { MaxDegreeOfParallelism = options.MaxDegreeOfParallelism ?? Environment.ProcessorCount, CancellationToken = cancellation }, m =>
        {
            var month = ForecastMonth(context, growth, m, growth.Multiplier(m), options);
            if (bands is not null)
            {
                var low = ForecastMonth(context, growth, m, bands[m].P10, options);
                var high = ForecastMonth(context, growth, m, bands[m].P90, options);
                var mid = ForecastMonth(context, growth, m, bands[m].P50, options);
                month = month with
                {
                    PeakRateBand = new Band(low.PeakRatePerSecond, mid.PeakRatePerSecond, high.PeakRatePerSecond),
                    CostBand = new Band(low.CostUsd, mid.CostUsd, high.CostUsd),
                    EnergyBand = new Band(low.EnergyKWh, mid.EnergyKWh, high.EnergyKWh),
                    CarbonBand = new Band(low.CarbonKg, mid.CarbonKg, high.CarbonKg),
                };
            }

            months[m] = month;
            options.Progress?.Report((double)Interlocked.Increment(ref done) / growth.Months);
        });

        return new ForecastResult
        {
            Scenario = scenario.Name ?? "scenario",
            Months = months,
            Totals = new ForecastTotals(months.Sum(m => m.CostUsd), months.Sum(m => m.EnergyKWh + m.EdgeEnergyKWh), months.Sum(m => m.CarbonKg), months.Sum(m => m.Queries)),
            Warnings = context.Warnings.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList(),
        };
    }

    /// <summary>
    /// A month of the fleet exactly as the scenario lists it (no sizing), at the utilization a simulation of it
    /// measured: what it costs, draws and emits. The compare page puts scenarios side by side with it.
    /// </summary>
    public MonthEvaluation Evaluate(Scenario scenario, Simulation.Results.SimulationResult result, string? baseDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(result);
        var context = Prepare(scenario, baseDirectory, sizing: false);
        var pools = context.Pools.Select((pool, i) =>
        {
            var simulated = result.Pools.Count > i ? result.Pools[i] : null;
            return Price(pool, pool.Count ?? 1, pool.Count ?? 1, simulated?.ThroughputPerSecond ?? 0, simulated?.Utilization ?? 0, null, 0, context with { MeanToPeak = 1 }) with
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
        var energyKnown = context.Pools.All(p => p.Device is { } id && _catalog.TryGetDevice(id, out var device)
            && device.TdpWatts.Effective is not null && device.IdleWatts.Effective is not null);
        return new MonthEvaluation(month, energyKnown, [.. context.Warnings.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)]);
    }

    /// <summary>One month (default: month 0) sized at its peak, for the <c>size</c> command.</summary>
    public MonthForecast Size(Scenario scenario, int month = 0, ForecastOptions? options = null, string? baseDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        var context = Prepare(scenario, baseDirectory);
        var growth = new GrowthModel(scenario.Growth);
        return ForecastMonth(context, growth, month, growth.Multiplier(month), options ?? new ForecastOptions());
    }

    private Context Prepare(Scenario scenario, string? baseDirectory, bool sizing = true)
    {
        var model = SimulationModel.Compile(scenario, _catalog, baseDirectory, _profiles);
        if (scenario.Slo?.LatencyMs is null && scenario.Slo?.TtftMs is null && scenario.Slo?.TpotMs is null && sizing)
        {
            throw new ScenarioException("$.slo.latencyMs", "sizing needs a latency target (or, for generative pools, ttftMs and tpotMs)");
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

        // Stored profiles become their points, so that every sizing run stands alone.
        var pools = scenario.Pools!.Select(p => p.Service?.Profile is { } profile ? p with { Service = p.Service! with { Profile = _profiles.Resolve(profile) } } : p).ToList();
        return new Context(scenario, pools, peak, mean / peak, daily, new System.Collections.Concurrent.ConcurrentBag<string>());
    }

    private MonthForecast ForecastMonth(Context context, GrowthModel growth, int month, double multiplier, ForecastOptions options)
    {
        var scenario = context.Scenario;
        var economics = scenario.Economics;
        var slo = new SloTarget(scenario.Slo!.LatencyMs ?? double.PositiveInfinity, scenario.Slo.Percentile ?? 99, scenario.Slo.MaxRejectionPercent, scenario.Slo.TtftMs, scenario.Slo.TpotMs);
        var peak = context.PeakRate * multiplier;
        var factor = growth.ServiceFactor(month);
        var available = context.Pools.Where(p => (p.AvailableFromMonth ?? 0) <= month).Select(p => Adjust(p, month, factor, scenario.Growth)).ToList();
        var offload = scenario.Routing?.Offload;
        var edgeShare = offload?.Share ?? 0;
        var routable = available.Where(p => p.Edge != true).ToList();
        var totalWeight = routable.Sum(p => p.Weight ?? 1);
        var sizer = new PoolSizer(scenario.Seed ?? 1, options.SizingQueries, _catalog, scenario.Workload?.Tokens);

        var shares = available.ToDictionary(p => p.Name!, p => p.Edge == true ? edgeShare : (1 - edgeShare) * (p.Weight ?? 1) / totalWeight, StringComparer.Ordinal);
        if (economics?.Mix is { } mix && routable.Count > 1)
        {
            var optimized = new MixOptimizer(sizer, this, scenario).Optimize(routable, peak * (1 - edgeShare), slo, mix, month);
            var (counts, unit) = (optimized.Counts, optimized.CapacityPerServer);
            var capacity = routable.Sum(p => counts[p.Name!] * unit[p.Name!]);
            foreach (var p in routable)
            {
                shares[p.Name!] = (1 - edgeShare) * counts[p.Name!] * unit[p.Name!] / capacity;
            }
        }

        var pools = new List<PoolForecast>();
        foreach (var pool in available)
        {
            var share = shares[pool.Name!];
            if (share <= 0)
            {
                pools.Add(new PoolForecast { Name = pool.Name!, Device = pool.Device, Region = pool.Region, Count = 0, Edge = pool.Edge == true });
                continue;
            }

            var rate = peak * share;
            var rtt = pool.Edge == true ? offload?.NetworkRttMs ?? 0 : 0;
            var sized = sizer.Size(pool, rate, slo, rtt);
            var count = WithHeadroom(sized.Count, scenario.Growth?.Headroom);
            var utilization = sized.Check.Utilization * sized.Count / count;
            pools.Add(Price(pool, count, sized.Count, rate, utilization, sized, month, context) with
            {
                LatencyMsP50 = sized.Check.LatencyMs.P50 + rtt,
                LatencyMsP99 = sized.Check.LatencyMs.P99 + rtt,
                SloMet = sized.Check.SloMet == true,
            });
        }

        var served = pools.Where(p => p.Count > 0).ToList();
        var weightTotal = served.Sum(p => p.RatePerSecond);
        return Totals(month, peak, pools, peak * context.MeanToPeak * FleetEconomics.HoursPerMonth * 3600) with
        {
            LatencyMsP50 = served.Count == 0 ? 0 : served.Max(p => p.LatencyMsP50),
            LatencyMsP99 = served.Count == 0 ? 0 : served.Max(p => p.LatencyMsP99),
            SloMet = served.Count > 0 && served.All(p => p.SloMet),
            Utilization = weightTotal > 0 ? served.Sum(p => p.Utilization * p.RatePerSecond) / weightTotal : 0,
            Autoscaling = economics?.Autoscaling is { } autoscale ? Autoscale(pools, autoscale, context) : null,
        };
    }

    /// <summary>A month's sums over its pools: cost, energy (edge apart), carbon, and their shares per query.</summary>
    private static MonthForecast Totals(int month, double peak, IReadOnlyList<PoolForecast> pools, double queries)
    {
        var cost = pools.Sum(p => p.CostUsd);
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
            CostPerMillionQueriesUsd = queries > 0 ? cost / (queries / 1e6) : 0,
            GramsCo2PerQuery = queries > 0 ? (operational + embodied) * 1000 / queries : 0,
            JoulesPerQuery = queries > 0 ? (energy + edgeEnergy) * 3.6e6 / queries : 0,
            CostByPricing = pools.Where(p => p.Pricing is not null).GroupBy(p => p.Pricing!).ToDictionary(g => g.Key, g => g.Sum(p => p.CostUsd), StringComparer.Ordinal),
            CostByRegion = pools.Where(p => p.Region is not null).GroupBy(p => p.Region!).ToDictionary(g => g.Key, g => g.Sum(p => p.CostUsd), StringComparer.Ordinal),
        };
    }

    /// <summary>Cost, energy and carbon of <paramref name="count"/> devices of a pool for one month.</summary>
    internal PoolForecast Price(PoolSpec pool, int count, int required, double rate, double peakUtilization, SizingResult? sized, int month, Context context)
    {
        // A generative pool's count is its replicas, each of tensorParallel devices.
        var devicesPerServer = pool.Llm?.TensorParallel ?? 1;
        var economics = context.Scenario.Economics;
        var hours = FleetEconomics.HoursPerMonth;
        var edge = pool.Edge == true;
        Device? device = pool.Device is { } id && _catalog.TryGetDevice(id, out var d) ? d : null;
        Region? region = pool.Region is { } rid && _catalog.TryGetRegion(rid, out var r) ? r : null;
        var averageUtilization = Math.Min(1, peakUtilization * context.MeanToPeak);
        var lifeYears = economics?.DeviceLifeYears ?? DefaultLifeYears;

        double energy = 0;
        double operational = 0;
        double embodied = 0;
        if (device?.TdpWatts.Effective is { } tdp && device.IdleWatts.Effective is { } idle)
        {
            var pue = edge ? 1 : region?.Pue.Effective ?? 1;
            energy = FleetEconomics.EnergyKWh(count * devicesPerServer, hours, FleetEconomics.PowerWatts(idle, tdp, averageUtilization), pue);
            if (region?.GridGramsCo2PerKwh.Effective is { } grid)
            {
                operational = economics?.HourlyGridGramsCo2PerKwh is { } hourly && hourly.TryGetValue(region.Id, out var curve)
                    ? FleetEconomics.DailyOperationalCarbonKg(count * devicesPerServer, idle, tdp, peakUtilization, pue, context.DailyLoad, curve) * hours / 24
                    : FleetEconomics.OperationalCarbonKg(energy, grid);
            }
            else
            {
                context.Warnings.Add($"pool '{pool.Name}': no region (or grid intensity), so no operational carbon");
            }
        }
        else
        {
            context.Warnings.Add($"pool '{pool.Name}': {(device is null ? "no catalog device" : $"{device.Id} has no known power figures")}, so no energy or operational carbon");
        }

        if (device?.EmbodiedKgCo2e.Effective is { } embodiedKg)
        {
            embodied = FleetEconomics.EmbodiedCarbonKg(count * devicesPerServer, embodiedKg, lifeYears);
        }
        else if (device is not null)
        {
            context.Warnings.Add($"pool '{pool.Name}': {device.Id} has no embodied-carbon figure or stand-in");
        }

        double cost = 0;
        string? pricing = null;
        double? unitPrice = null;
        if (pool.Owned is { } owned)
        {
            pricing = "owned";
            var electricity = region?.ElectricityUsdPerKwh.Effective ?? 0;
            cost = FleetEconomics.OwnedCostUsd(count * devicesPerServer, owned.PurchaseUsd ?? 0, owned.LifeYears ?? lifeYears, owned.HostingUsdPerMonth ?? 0, energy, electricity);
        }
        else if (!edge)
        {
            pricing = pool.Pricing ?? economics?.Pricing ?? "on-demand";
            var price = FindPrice(device, region, pricing);
            if (price is { } p)
            {
                unitPrice = FleetEconomics.PriceAfterDecline(p, context.Scenario.Growth?.PriceDeclinePercentPerYear ?? 0, month);
                var interruption = pricing == "spot" ? (economics?.SpotInterruptionPercent ?? 0) / 100 : 0;
                cost = FleetEconomics.CloudCostUsd(count * devicesPerServer, hours, unitPrice.Value, interruption);
            }
            else
            {
                context.Warnings.Add($"pool '{pool.Name}': no {pricing} price for {pool.Device ?? "its device"} in the catalog, so no cost");
            }
        }

        return new PoolForecast
        {
            Name = pool.Name!,
            Device = pool.Device,
            Region = pool.Region,
            Count = count,
            RequiredCount = required,
            RatePerSecond = rate,
            Utilization = peakUtilization,
            SizingMethod = sized?.Method,
            Pricing = pricing,
            UsdPerDeviceHour = unitPrice,
            CostUsd = cost,
            EnergyKWh = energy,
            OperationalCarbonKg = operational,
            EmbodiedCarbonKg = embodied,
            Edge = edge,
            Power = device?.TdpWatts.Effective is { } t && device.IdleWatts.Effective is { } i
                ? new PowerFacts(i, t, edge ? 1 : region?.Pue.Effective ?? 1, region?.GridGramsCo2PerKwh.Effective ?? 0)
                : null,
        };
    }

    /// <summary>One device of a pool for one month at full load: its cost and carbon (the mix search's unit figures).</summary>
    internal (double CostUsd, double CarbonKg) UnitFigures(Scenario scenario, PoolSpec pool, int month)
    {
        var context = new Context(scenario, [pool], 1, 1, Enumerable.Repeat(1.0, 24).ToArray(), new System.Collections.Concurrent.ConcurrentBag<string>());
        var one = Price(pool, 1, 1, 0, 1, null, month, context);
        return (one.CostUsd, one.OperationalCarbonKg + one.EmbodiedCarbonKg);
    }

    /// <summary>The catalog's device-lifetime stand-in for amortizing embodied carbon (Cloud Carbon Footprint's 4 years).</summary>
    public const double DefaultLifeYears = 4;

    /// <summary>One server's (or replica's) capacity in queries/s; a generative pool's at the scenario's token mix.</summary>
    internal double Capacity(PoolSpec pool, TokensSpec? tokens) => PoolSizer.OneServer(pool, tokens, _catalog).CapacityPerSecond;

    private double? FindPrice(Device? device, Region? region, string pricing)
    {
        if (device is null)
        {
            return null;
        }

        var candidates = _catalog.PricesFor(device.Id).Where(p => p.UsdPerAcceleratorHour.Effective is not null).ToList();
        var named = candidates.Where(p => PricingName(p.Pricing) == pricing).ToList();
        var best = named.FirstOrDefault(p => p.Region == region?.Id) ?? named.OrderBy(p => p.UsdPerAcceleratorHour.Effective).FirstOrDefault();
        return best?.UsdPerAcceleratorHour.Effective;
    }

    private static string PricingName(PricingModel pricing) => pricing switch
    {
        PricingModel.OnDemand => "on-demand",
        PricingModel.Reserved1Year => "reserved-1y",
        PricingModel.Reserved3Year => "reserved-3y",
        PricingModel.Spot => "spot",
        _ => "capacity-block",
    };

    private static int WithHeadroom(int count, HeadroomSpec? headroom) =>
        headroom is null ? count : (int)Math.Ceiling(count * (1 + ((headroom.Percent ?? 0) / 100))) + (headroom.SpareServers ?? 0);

    /// <summary>The month's service: a switch that has taken effect, then the efficiency factor on its times.</summary>
    private static PoolSpec Adjust(PoolSpec pool, int month, double factor, GrowthSpec? growth)
    {
        var service = growth?.ServiceSwitches?.Where(s => s.Pool == pool.Name && s.Month <= month).OrderBy(s => s.Month).LastOrDefault()?.Service ?? pool.Service!;
        if (factor == 1)
        {
            return pool with { Service = service };
        }

        var scaled = service.Profile is { } profile
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
        return pool with { Service = scaled };
    }

    private static AutoscaleComparison Autoscale(List<PoolForecast> pools, AutoscaleSpec spec, Context context)
    {
        // Each hour's fleet scales the peak-sized count by that hour's load (the per-server SLO capacity at the
        // peak carries over); with a scale-up delay the fleet is already sized for the next hour. The work is
        // the same either way: busy device-hours are kept, fewer devices sit idle.
        double staticHours = 0, scaledHours = 0, scaledCost = 0, scaledCarbon = 0, staticCost = 0, staticCarbon = 0;
        var days = FleetEconomics.HoursPerMonth / 24;
        var top = context.DailyLoad.Max();
        foreach (var pool in pools.Where(p => !p.Edge && p.Count > 0))
        {
            var deviceHours = 0.0;
            var operational = 0.0;
            for (var h = 0; h < 24; h++)
            {
                var load = context.DailyLoad[h] / top;
                var next = context.DailyLoad[(h + 1) % 24] / top;
                var need = (int)Math.Ceiling(pool.Count * ((spec.ScaleUpDelayMinutes ?? 0) > 0 ? Math.Max(load, next) : load));
                var devices = Math.Clamp(need, spec.MinServers ?? 1, Math.Max(spec.MinServers ?? 1, spec.MaxServers ?? pool.Count));
                deviceHours += devices * days;
                if (pool.Power is { } power)
                {
                    var utilization = Math.Min(1, pool.Utilization * pool.Count * context.DailyLoad[h] / devices);
                    var kwh = FleetEconomics.EnergyKWh(devices, days, FleetEconomics.PowerWatts(power.IdleWatts, power.TdpWatts, utilization), power.Pue);
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

    internal sealed record Context(Scenario Scenario, IReadOnlyList<PoolSpec> Pools, double PeakRate, double MeanToPeak, double[] DailyLoad,
        System.Collections.Concurrent.ConcurrentBag<string> Warnings);
}

/// <summary>
/// A listed fleet's month: the figures, whether every pool's power is known (else energy and operational carbon
/// leave that pool out), and what was assumed or missing.
/// </summary>
public sealed record MonthEvaluation(MonthForecast Month, bool EnergyKnown, IReadOnlyList<string> Warnings);
