using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using InferencePlanner.Core.Catalog;

namespace InferencePlanner.Core.Scenarios;

/// <summary>
/// Checks a scenario and reports every problem by JSON path and reason. With a catalog it also checks
/// device and region ids; with a profile resolver, stored profile ids.
/// </summary>
public sealed class ScenarioValidator
{
    private readonly DeviceCatalog? _catalog;
    private readonly Func<string, bool>? _profileExists;
    private readonly List<ScenarioError> _errors = [];

    public ScenarioValidator(DeviceCatalog? catalog = null, Func<string, bool>? profileExists = null)
    {
        _catalog = catalog;
        _profileExists = profileExists;
    }

    /// <summary>
    /// Whether checking or running <paramref name="scenario"/> needs the catalog or the stored profiles: it names a
    /// device, a region, a stored profile or a generative model, or prices its fleet. A pure queueing study does not.
    /// </summary>
    public static bool NeedsCatalog(Scenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        return scenario.Economics is not null
            || scenario.Pools?.Any(p => p is not null && (p.Device is not null || p.Region is not null || p.Llm is not null || p.Service?.Profile?.Id is not null)) == true
            || scenario.Growth?.ServiceSwitches?.Any(s => s?.Service?.Profile?.Id is not null) == true;
    }

    public static IReadOnlyList<ScenarioError> Validate(Scenario scenario, DeviceCatalog? catalog = null, Func<string, bool>? profileExists = null) =>
        new ScenarioValidator(catalog, profileExists).Check(scenario);

    /// <summary>Throws <see cref="ScenarioException"/> listing every problem, if there is any.</summary>
    public static void ThrowIfInvalid(Scenario scenario, DeviceCatalog? catalog = null, Func<string, bool>? profileExists = null)
    {
        var errors = Validate(scenario, catalog, profileExists);
        if (errors.Count > 0)
        {
            throw new ScenarioException(errors);
        }
    }

    public IReadOnlyList<ScenarioError> Check(Scenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        _errors.Clear();

        if (scenario.Seed is < 0)
        {
            Add("$.seed", "must be zero or positive");
        }

        CheckHorizon(scenario.Horizon);
        CheckWorkload(scenario.Workload);
        CheckPools(scenario.Pools);
        if (scenario.Pools?.Any(pl => pl?.Llm is not null) == true && scenario.Workload?.Arrivals?.Kind != ScenarioNames.Trace)
        {
            CheckTokens("$.workload.tokens.input", scenario.Workload?.Tokens?.Input);
            CheckTokens("$.workload.tokens.output", scenario.Workload?.Tokens?.Output);
        }

        if (scenario.Workload?.Prefix is { } prefix)
        {
            if (prefix.Tokens is not (>= 1 and <= 10_000_000))
            {
                Add("$.workload.prefix.tokens", prefix.Tokens is null ? "is required" : "must be from 1 to 10,000,000 tokens");
            }

            if (prefix.Groups is not (>= 1 and <= 1_000_000))
            {
                Add("$.workload.prefix.groups", prefix.Groups is null ? "is required" : "must be from 1 to 1,000,000");
            }

            if (scenario.Pools?.Any(pl => pl?.Llm is not null) != true)
            {
                Add("$.workload.prefix", "applies to generative pools only (pools[].llm)");
            }
        }
        CheckRouting(scenario.Routing, scenario.Pools);
        CheckRoutingWeights(scenario.Routing, scenario.Pools);
        if (scenario.Slo is not null)
        {
            CheckSlo("$.slo", scenario.Slo);
        }

        if (scenario.Growth is { } growth)
        {
            if (growth.Months is not { } months || months < 1 || months > ScenarioLimits.MaxMonths)
            {
                Add("$.growth.months", $"must be a whole number of months from 1 to {ScenarioLimits.MaxMonths}");
            }

            Finite("$.growth.monthlyGrowthPercent", growth.MonthlyGrowthPercent, min: -99.999, max: 1000, required: growth.Curve != ScenarioNames.Logistic || growth.MidpointMonth is null);
            if (growth.Curve is not null)
            {
                OneOf("$.growth.curve", growth.Curve, ScenarioNames.GrowthCurves);
            }

            if (growth.Curve == ScenarioNames.Logistic)
            {
                Finite("$.growth.saturationMultiplier", growth.SaturationMultiplier, min: 1.000001, max: 1e6, required: true);
                Finite("$.growth.midpointMonth", growth.MidpointMonth, min: 1e-6, max: ScenarioLimits.MaxMonths, required: false);
            }

            Finite("$.growth.monthlyGrowthSdPercent", growth.MonthlyGrowthSdPercent, min: 0, max: 100, required: false);
            if (growth.Samples is { } samples && (samples < 100 || samples > 1_000_000))
            {
                Add("$.growth.samples", "must be from 100 to 1,000,000");
            }

            for (var i = 0; i < (growth.Launches?.Count ?? 0); i++)
            {
                var launch = growth.Launches![i];
                if (!Present($"$.growth.launches[{i}]", launch))
                {
                    continue;
                }

                Month($"$.growth.launches[{i}].month", launch.Month);

                Finite($"$.growth.launches[{i}].multiplier", launch.Multiplier, min: 1e-6, max: 1e6, required: true);
            }

            Finite("$.growth.efficiencyGainPercentPerYear", growth.EfficiencyGainPercentPerYear, min: 0, max: 99, required: false);
            Finite("$.growth.priceDeclinePercentPerYear", growth.PriceDeclinePercentPerYear, min: 0, max: 99, required: false);
            if (growth.Headroom is { } headroom)
            {
                if (headroom.SpareServers is < 0 or > 1000)
                {
                    Add("$.growth.headroom.spareServers", "must be from 0 to 1,000");
                }

                Finite("$.growth.headroom.percent", headroom.Percent, min: 0, max: 1000, required: false);
            }

            for (var i = 0; i < (growth.ServiceSwitches?.Count ?? 0); i++)
            {
                var change = growth.ServiceSwitches![i];
                if (!Present($"$.growth.serviceSwitches[{i}]", change))
                {
                    continue;
                }

                Month($"$.growth.serviceSwitches[{i}].month", change.Month);

                if (scenario.Pools?.Any(pl => pl?.Name == change.Pool) != true)
                {
                    Add($"$.growth.serviceSwitches[{i}].pool", $"'{change.Pool}' is not a pool of this scenario");
                }

                CheckService($"$.growth.serviceSwitches[{i}].service", change.Service);
            }
        }

        if (scenario.Economics is { } economics)
        {
            if (economics.Pricing is not null)
            {
                OneOf("$.economics.pricing", economics.Pricing, Pricings.ForScenarios);
            }

            Finite("$.economics.spotInterruptionPercent", economics.SpotInterruptionPercent, min: 0, max: 99, required: false);
            if (economics.PriceFallback is not null)
            {
                OneOf("$.economics.priceFallback", economics.PriceFallback, ScenarioNames.PriceFallbacks);
            }

            if (economics.EnergyBoundary is not null)
            {
                OneOf("$.economics.energyBoundary", economics.EnergyBoundary, ScenarioNames.EnergyBoundaries);
            }

            Finite("$.economics.hostWattsPerDevice", economics.HostWattsPerDevice, min: 0, max: 100_000, required: false);

            Finite("$.economics.deviceLifeYears", economics.DeviceLifeYears, min: 0.1, max: 30, required: false);
            foreach (var (region, curve) in economics.HourlyGridGramsCo2PerKwh ?? new Dictionary<string, IReadOnlyList<double>>())
            {
                if (_catalog is not null && !_catalog.TryGetRegion(region, out _))
                {
                    Add($"$.economics.hourlyGridGramsCo2PerKwh.{region}", $"'{region}' is not a catalog region" + Suggestions.DidYouMean(_catalog.SuggestRegions(region)));
                }

                Shape($"$.economics.hourlyGridGramsCo2PerKwh.{region}", curve, 24);
            }

            if (economics.WhatIf is { } whatIf)
            {
                Finite("$.economics.whatIf.pue", whatIf.Pue, min: 1, max: 3, required: false);
                Finite("$.economics.whatIf.gridGramsCo2PerKwh", whatIf.GridGramsCo2PerKwh, min: 0, max: 2_000, required: false);
                Finite("$.economics.whatIf.electricityUsdPerKwh", whatIf.ElectricityUsdPerKwh, min: 0, max: 10, required: false);
                if (whatIf.HourlyGridGramsCo2PerKwh is { } hourly)
                {
                    Shape("$.economics.whatIf.hourlyGridGramsCo2PerKwh", hourly, 24);
                    if (whatIf.GridGramsCo2PerKwh is not null)
                    {
                        Add("$.economics.whatIf.hourlyGridGramsCo2PerKwh", "give the grid as a number or as 24 hourly values, not both");
                    }
                }

                for (var i = 0; i < (whatIf.DevicePrices?.Count ?? 0); i++)
                {
                    var price = whatIf.DevicePrices![i];
                    var at = $"$.economics.whatIf.devicePrices[{i}]";
                    if (price is null)
                    {
                        Add(at, "is empty");
                        continue;
                    }

                    if (string.IsNullOrWhiteSpace(price.Device))
                    {
                        Add($"{at}.device", "is required");
                    }
                    else if (_catalog is not null && !_catalog.TryGetDevice(price.Device, out _))
                    {
                        Add($"{at}.device", $"'{price.Device}' is not a catalog device" + Suggestions.DidYouMean(_catalog.SuggestDevices(price.Device)));
                    }

                    Finite($"{at}.usdPerDeviceHour", price.UsdPerDeviceHour, min: 0, max: 10_000, required: true);
                    if (price.Pricing is not null)
                    {
                        OneOf($"{at}.pricing", price.Pricing, Pricings.ForScenarios);
                    }

                    if (string.IsNullOrWhiteSpace(price.Note))
                    {
                        Add($"{at}.note", "say where the price comes from (a quote, a negotiated rate): it is shown beside the cost");
                    }
                }
            }

            if (economics.Mix is { } mix)
            {
                if (mix.Objective is not null)
                {
                    OneOf("$.economics.mix.objective", mix.Objective, ScenarioNames.MixObjectives);
                }

                Finite("$.economics.mix.carbonPriceUsdPerTonne", mix.CarbonPriceUsdPerTonne, min: 0, max: 1e6, required: mix.Objective == ScenarioNames.BlendObjective);
            }

            if (economics.Autoscaling is { } autoscaling)
            {
                Finite("$.economics.autoscaling.scaleUpDelayMinutes", autoscaling.ScaleUpDelayMinutes, min: 0, max: 60, required: false);
                if (autoscaling.MinServers is < 0 || (autoscaling.MaxServers is { } max && max < (autoscaling.MinServers ?? 0)))
                {
                    Add("$.economics.autoscaling", "needs 0 ≤ minServers ≤ maxServers");
                }
            }
        }

        Finite("$.timeSeriesIntervalSeconds", scenario.TimeSeriesIntervalSeconds, min: 1e-3, max: ScenarioLimits.MaxSeconds, required: false);
        if (scenario.MaxEvents is { } maxEvents && (maxEvents < 1 || maxEvents > ScenarioLimits.MaxEvents))
        {
            Add("$.maxEvents", $"must be from 1 to {ScenarioLimits.MaxEvents:E0}");
        }

        return _errors.ToList();
    }

    private void CheckHorizon(Horizon? horizon)
    {
        if (horizon is null)
        {
            Add("$.horizon", "is required: give queries (and warmupQueries) or seconds (and warmupSeconds)");
            return;
        }

        var byQueries = horizon.Queries is not null || horizon.WarmupQueries is not null;
        var bySeconds = horizon.Seconds is not null || horizon.WarmupSeconds is not null;
        if (byQueries && bySeconds)
        {
            Add("$.horizon", "give either queries (and warmupQueries) or seconds (and warmupSeconds), not both");
            return;
        }

        if (byQueries)
        {
            if (horizon.Queries is not { } queries || queries < 1 || queries > ScenarioLimits.MaxQueries)
            {
                Add("$.horizon.queries", $"must be a whole number from 1 to {ScenarioLimits.MaxQueries:E0}");
            }

            if (horizon.WarmupQueries is { } warmup && (warmup < 0 || warmup > ScenarioLimits.MaxQueries))
            {
                Add("$.horizon.warmupQueries", $"must be from 0 to {ScenarioLimits.MaxQueries:E0}");
            }
        }
        else if (bySeconds)
        {
            Finite("$.horizon.seconds", horizon.Seconds, min: 1e-6, max: ScenarioLimits.MaxSeconds, required: true);
            Finite("$.horizon.warmupSeconds", horizon.WarmupSeconds, min: 0, max: ScenarioLimits.MaxSeconds, required: false);
        }
        else
        {
            Add("$.horizon", "is empty: give queries or seconds");
        }
    }

    private void CheckWorkload(Workload? workload)
    {
        if (workload?.Arrivals is not { } arrivals)
        {
            Add("$.workload.arrivals", "is required");
            return;
        }

        const string p = "$.workload.arrivals";
        if (!OneOf($"{p}.kind", arrivals.Kind, ScenarioNames.ArrivalKinds))
        {
            return;
        }

        switch (arrivals.Kind)
        {
            case ScenarioNames.Poisson:
            case ScenarioNames.Constant:
                Finite($"{p}.ratePerSecond", arrivals.RatePerSecond, min: double.Epsilon, max: ScenarioLimits.MaxRatePerSecond, required: true);
                NotUsed(p, arrivals, nameof(ArrivalSpec.DailyShape), nameof(ArrivalSpec.WeeklyShape), nameof(ArrivalSpec.MonthlyGrowthPercent),
                    nameof(ArrivalSpec.StartHour), nameof(ArrivalSpec.BurstRatePerSecond), nameof(ArrivalSpec.MeanNormalSeconds),
                    nameof(ArrivalSpec.MeanBurstSeconds), nameof(ArrivalSpec.Path), nameof(ArrivalSpec.Speedup));
                break;
            case ScenarioNames.Diurnal:
                Finite($"{p}.ratePerSecond", arrivals.RatePerSecond, min: double.Epsilon, max: ScenarioLimits.MaxRatePerSecond, required: true);
                Shape($"{p}.dailyShape", arrivals.DailyShape, 24);
                Shape($"{p}.weeklyShape", arrivals.WeeklyShape, 7);
                Finite($"{p}.monthlyGrowthPercent", arrivals.MonthlyGrowthPercent, min: -99.999, max: 1000, required: false);
                Finite($"{p}.startHour", arrivals.StartHour, min: 0, max: 168, required: false);
                NotUsed(p, arrivals, nameof(ArrivalSpec.BurstRatePerSecond), nameof(ArrivalSpec.MeanNormalSeconds),
                    nameof(ArrivalSpec.MeanBurstSeconds), nameof(ArrivalSpec.Path), nameof(ArrivalSpec.Speedup));
                break;
            case ScenarioNames.Bursts:
                Finite($"{p}.ratePerSecond", arrivals.RatePerSecond, min: 0, max: ScenarioLimits.MaxRatePerSecond, required: true);
                Finite($"{p}.burstRatePerSecond", arrivals.BurstRatePerSecond, min: double.Epsilon, max: ScenarioLimits.MaxRatePerSecond, required: true);
                Finite($"{p}.meanNormalSeconds", arrivals.MeanNormalSeconds, min: 1e-9, max: ScenarioLimits.MaxSeconds, required: true);
                Finite($"{p}.meanBurstSeconds", arrivals.MeanBurstSeconds, min: 1e-9, max: ScenarioLimits.MaxSeconds, required: true);
                NotUsed(p, arrivals, nameof(ArrivalSpec.DailyShape), nameof(ArrivalSpec.WeeklyShape), nameof(ArrivalSpec.MonthlyGrowthPercent),
                    nameof(ArrivalSpec.StartHour), nameof(ArrivalSpec.Path), nameof(ArrivalSpec.Speedup));
                break;
            case ScenarioNames.Trace:
                if (string.IsNullOrWhiteSpace(arrivals.Path))
                {
                    Add($"{p}.path", "is required: a CSV with the columns TIMESTAMP,ContextTokens,GeneratedTokens");
                }

                Finite($"{p}.speedup", arrivals.Speedup, min: 1e-6, max: 1e6, required: false);
                NotUsed(p, arrivals, nameof(ArrivalSpec.RatePerSecond), nameof(ArrivalSpec.DailyShape), nameof(ArrivalSpec.WeeklyShape),
                    nameof(ArrivalSpec.MonthlyGrowthPercent), nameof(ArrivalSpec.StartHour), nameof(ArrivalSpec.BurstRatePerSecond),
                    nameof(ArrivalSpec.MeanNormalSeconds), nameof(ArrivalSpec.MeanBurstSeconds));
                break;
        }

        if (workload.Classes is { } classes)
        {
            if (classes.Count == 0 || classes.Count > ScenarioLimits.MaxClasses)
            {
                Add("$.workload.classes", $"must list from 1 to {ScenarioLimits.MaxClasses} classes");
            }

            var names = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < classes.Count; i++)
            {
                var c = classes[i];
                var cp = $"$.workload.classes[{i}]";
                if (!Present(cp, c))
                {
                    continue;
                }

                if (string.IsNullOrWhiteSpace(c.Name))
                {
                    Add($"{cp}.name", "is required");
                }
                else if (!names.Add(c.Name))
                {
                    Add($"{cp}.name", $"'{c.Name}' is used by another class");
                }

                Finite($"{cp}.weight", c.Weight, min: double.Epsilon, max: double.MaxValue, required: true);
                if (c.Slo is not null)
                {
                    CheckSlo($"{cp}.slo", c.Slo);
                }
            }
        }
    }

    private void CheckPools(IReadOnlyList<PoolSpec>? pools)
    {
        if (pools is null || pools.Count == 0)
        {
            Add("$.pools", "must list at least one pool");
            return;
        }

        if (pools.Count > ScenarioLimits.MaxPools)
        {
            Add("$.pools", $"lists {pools.Count} pools; the limit is {ScenarioLimits.MaxPools}");
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < pools.Count; i++)
        {
            var pool = pools[i];
            var p = $"$.pools[{i}]";
            if (!Present(p, pool))
            {
                continue;
            }

            if (string.IsNullOrWhiteSpace(pool.Name))
            {
                Add($"{p}.name", "is required");
            }
            else if (!names.Add(pool.Name))
            {
                Add($"{p}.name", $"'{pool.Name}' is used by another pool");
            }

            if (pool.Device is { } device && _catalog is not null && !_catalog.TryGetDevice(device, out _))
            {
                Add($"{p}.device", $"'{device}' is not a catalog device" + Suggestions.DidYouMean(_catalog.SuggestDevices(device)));
            }

            if (pool.Region is { } region && _catalog is not null && !_catalog.TryGetRegion(region, out _))
            {
                Add($"{p}.region", $"'{region}' is not a catalog region" + Suggestions.DidYouMean(_catalog.SuggestRegions(region)));
            }

            if (pool.Count is not { } count || count < 1 || count > ScenarioLimits.MaxServersPerPool)
            {
                Add($"{p}.count", $"must be a whole number from 1 to {ScenarioLimits.MaxServersPerPool:N0}");
            }

            if (pool.Llm is { } llm)
            {
                CheckLlm(p, pool, llm);
            }
            else
            {
                CheckService($"{p}.service", pool.Service);
            }

            if (pool.Batching is { } batching)
            {
                if (batching.MaxBatch is { } maxBatch && (maxBatch < 1 || maxBatch > ScenarioLimits.MaxBatch))
                {
                    Add($"{p}.batching.maxBatch", $"must be from 1 (no batching) to {ScenarioLimits.MaxBatch:N0}");
                }

                Finite($"{p}.batching.maxWaitMs", batching.MaxWaitMs, min: 0, max: ScenarioLimits.MaxServiceMs, required: false);
            }

            if (pool.MaxQueueLength is < 0)
            {
                Add($"{p}.maxQueueLength", "must be zero (a loss system) or more, or null for unbounded");
            }

            Finite($"{p}.timeoutMs", pool.TimeoutMs, min: double.Epsilon, max: ScenarioLimits.MaxServiceMs, required: false);
            if (pool.AvailableFromMonth is not null)
            {
                Month($"{p}.availableFromMonth", pool.AvailableFromMonth);
            }

            if (pool.Pricing is not null)
            {
                OneOf($"{p}.pricing", pool.Pricing, Pricings.ForScenarios);
            }

            if (pool.Owned is { } owned)
            {
                Finite($"{p}.owned.purchaseUsd", owned.PurchaseUsd, min: 0, max: 1e9, required: true);
                Finite($"{p}.owned.lifeYears", owned.LifeYears, min: 0.1, max: 30, required: false);
                Finite($"{p}.owned.hostingUsdPerMonth", owned.HostingUsdPerMonth, min: 0, max: 1e9, required: false);
            }
            Finite($"{p}.weight", pool.Weight, min: double.Epsilon, max: double.MaxValue, required: false);
        }
    }

    private void CheckLlm(string p, PoolSpec pool, LlmSpec llm)
    {
        if (pool.Service is not null || pool.Batching is not null)
        {
            Add($"{p}.llm", "a generative pool replaces service and batching: give one or the other");
        }

        // A preset or inline keys are checked here; a config.json path when the scenario is compiled (its folder known).
        if (llm.Model?.Name is not { } name || !name.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                Llm.LlmModels.Resolve(llm.Model, $"{p}.llm.model");
            }
            catch (ScenarioException ex)
            {
                foreach (var error in ex.Errors)
                {
                    Add(error.Path, error.Reason);
                }
            }
        }

        if (llm.Precision is not null)
        {
            OneOf($"{p}.llm.precision", llm.Precision, Precisions.All);
        }

        if (llm.KvPrecision is not null)
        {
            OneOf($"{p}.llm.kvPrecision", llm.KvPrecision, Precisions.All);
        }

        if (pool.TimeoutMs is not null)
        {
            Add($"{p}.timeoutMs", "a generative pool has no client timeout: requests wait for the cache; bound the line with maxQueueLength instead");
        }

        if (llm.TensorParallel is < 1 or > 64)
        {
            Add($"{p}.llm.tensorParallel", "must be from 1 to 64");
        }

        if (llm.MaxBatchedTokens is < 1 or > 1_048_576)
        {
            Add($"{p}.llm.maxBatchedTokens", "must be from 1 to 1,048,576");
        }

        if (llm.MaxSequences is < 1 or > 65_536)
        {
            Add($"{p}.llm.maxSequences", "must be from 1 to 65,536");
        }

        Finite($"{p}.llm.memoryUtilization", llm.MemoryUtilization, min: 0.05, max: 1, required: false);
        if (string.IsNullOrWhiteSpace(pool.Device))
        {
            Add($"{p}.device", "a generative pool needs a catalog device (memory, bandwidth and peak size its steps)");
        }
    }

    private void CheckTokens(string p, TokenDistributionSpec? tokens)
    {
        if (tokens is null)
        {
            Add(p, "is required for generative pools without a trace");
            return;
        }

        if (OneOf($"{p}.distribution", tokens.Distribution, ScenarioNames.TokenDistributions))
        {
            Finite($"{p}.mean", tokens.Mean, min: 1, max: 10_000_000, required: true);
            Finite($"{p}.scv", tokens.Scv, min: double.Epsilon, max: 1e4, required: tokens.Distribution == ScenarioNames.Lognormal);
        }

        if (tokens.Max is < 1)
        {
            Add($"{p}.max", "must be at least 1");
        }
    }

    private void CheckService(string p, ServiceSpec? service)
    {
        if (service is null)
        {
            Add(p, "is required: a distribution with meanMs, or a profile");
            return;
        }

        if (service.Distribution is null && service.Profile is null)
        {
            Add(p, "needs a distribution (with meanMs) or a profile");
            return;
        }

        if (service.Distribution is not null && service.Profile is not null)
        {
            Add(p, "give a distribution or a profile, not both");
            return;
        }

        if (service.Profile is { } profile)
        {
            CheckProfile($"{p}.profile", profile);
            if (service.MeanMs is not null)
            {
                Add($"{p}.meanMs", "is not used with a profile: the profile gives the latency");
            }

            return;
        }

        if (!OneOf($"{p}.distribution", service.Distribution, ScenarioNames.Distributions))
        {
            return;
        }

        Finite($"{p}.meanMs", service.MeanMs, min: double.Epsilon, max: ScenarioLimits.MaxServiceMs, required: true);
        switch (service.Distribution)
        {
            case ScenarioNames.Erlang:
                if (service.Shape is not { } shape || shape < 1 || shape > 1000)
                {
                    Add($"{p}.shape", "erlang needs a whole shape from 1 to 1000");
                }

                break;
            case ScenarioNames.Hyperexponential:
                Finite($"{p}.scv", service.Scv, min: 1, max: 1e4, required: true);
                break;
            case ScenarioNames.Lognormal:
                Finite($"{p}.scv", service.Scv, min: double.Epsilon, max: 1e4, required: true);
                break;
            default:
                if (service.Shape is not null)
                {
                    Add($"{p}.shape", $"is used only by erlang, not {service.Distribution}");
                }

                if (service.Scv is not null)
                {
                    Add($"{p}.scv", $"is used only by hyperexponential and lognormal, not {service.Distribution}");
                }

                break;
        }
    }

    private void CheckProfile(string p, ProfileSpec profile)
    {
        var inline = profile.Points is not null || profile.AlphaMs is not null || profile.BetaMs is not null;
        if (!inline)
        {
            if (string.IsNullOrWhiteSpace(profile.Id))
            {
                Add(p, "needs points, alphaMs/betaMs, or the id of a stored profile");
            }
            else if (_profileExists is null || !_profileExists(profile.Id))
            {
                Add(p, $"'{profile.Id}' is not a stored profile");
            }

            return;
        }

        if (profile.Points is { } points)
        {
            if (profile.AlphaMs is not null || profile.BetaMs is not null)
            {
                Add(p, "give points or alphaMs/betaMs, not both");
            }

            if (points.Count == 0)
            {
                Add($"{p}.points", "must hold at least one point");
            }

            for (var i = 0; i < points.Count; i++)
            {
                if (!Present($"{p}.points[{i}]", points[i]))
                {
                    continue;
                }

                if (points[i].Batch < 1 || points[i].Batch > ScenarioLimits.MaxBatch)
                {
                    Add($"{p}.points[{i}].batch", $"must be from 1 to {ScenarioLimits.MaxBatch:N0}");
                }
                else if (i > 0 && points[i - 1] is { } previous && points[i].Batch <= previous.Batch)
                {
                    Add($"{p}.points[{i}].batch", "batch sizes must increase");
                }

                Finite($"{p}.points[{i}].latencyMs", points[i].LatencyMs, min: double.Epsilon, max: ScenarioLimits.MaxServiceMs, required: true);
            }
        }
        else
        {
            Finite($"{p}.alphaMs", profile.AlphaMs, min: 0, max: ScenarioLimits.MaxServiceMs, required: true);
            Finite($"{p}.betaMs", profile.BetaMs, min: 0, max: ScenarioLimits.MaxServiceMs, required: true);
            if (profile.AlphaMs is 0 && profile.BetaMs is 0)
            {
                Add(p, "alphaMs + betaMs·b must be positive");
            }
        }

        Finite($"{p}.jitterScv", profile.JitterScv, min: 0, max: 100, required: false);
    }

    private void CheckRouting(RoutingSpec? routing, IReadOnlyList<PoolSpec>? pools)
    {
        pools ??= [];
        var edgePools = pools.Where(pl => pl?.Edge == true).Select(pl => pl.Name).ToList();
        if (routing is null)
        {
            if (edgePools.Count > 0)
            {
                Add("$.routing.offload", $"edge pool '{edgePools[0]}' gets traffic only by offload: give routing.offload");
            }

            return;
        }

        if (routing.Policy is not null)
        {
            OneOf("$.routing.policy", routing.Policy, ScenarioNames.RoutingPolicies);
        }

        if (routing.Offload is { } offload)
        {
            var target = pools.FirstOrDefault(pl => pl?.Name == offload.Pool);
            if (string.IsNullOrWhiteSpace(offload.Pool))
            {
                Add("$.routing.offload.pool", "is required: the edge pool's name");
            }
            else if (target is null)
            {
                Add("$.routing.offload.pool", $"'{offload.Pool}' is not a pool of this scenario");
            }
            else if (target.Edge != true)
            {
                Add("$.routing.offload.pool", $"'{offload.Pool}' is not marked edge: true");
            }

            Finite("$.routing.offload.share", offload.Share, min: double.Epsilon, max: 1, required: true);
            Finite("$.routing.offload.networkRttMs", offload.NetworkRttMs, min: 0, max: ScenarioLimits.MaxServiceMs, required: false);
            if (offload.Share < 1 && pools.All(pl => pl?.Edge == true))
            {
                Add("$.pools", "the traffic not offloaded needs at least one pool that is not edge");
            }
        }
        else if (edgePools.Count > 0)
        {
            Add("$.routing.offload", $"edge pool '{edgePools[0]}' gets traffic only by offload: give routing.offload");
        }

        if (edgePools.Count > 1)
        {
            Add("$.pools", "at most one pool may be marked edge");
        }
    }

    /// <summary>
    /// Weighted and power-of-two routing split traffic by weight, a pool's capacity in queries/s when it has none. A
    /// generative pool has no fixed capacity, so beside other pools every pool needs a weight: weights are then
    /// shares relative to each other, never mixed with capacities.
    /// </summary>
    private void CheckRoutingWeights(RoutingSpec? routing, IReadOnlyList<PoolSpec>? pools)
    {
        var routable = (pools ?? []).Select((pool, i) => (Pool: pool, Index: i)).Where(x => x.Pool is not null && x.Pool.Edge != true).ToList();
        if (routable.Count < 2 || routing?.Policy == ScenarioNames.JoinShortestQueue || !routable.Any(x => x.Pool.Llm is not null))
        {
            return;
        }

        var generative = routable.First(x => x.Pool.Llm is not null).Pool.Name;
        foreach (var (pool, i) in routable.Where(x => x.Pool.Weight is null))
        {
            Add($"$.pools[{i}].weight", $"traffic is split over the pools by weight, and generative pool '{generative}' has no fixed capacity to stand in for one: give every pool a weight (their shares relative to each other), or route by join-shortest-queue");
        }
    }

    private void Month(string path, int? month)
    {
        if (month is not (>= 0 and <= ScenarioLimits.MaxMonths))
        {
            Add(path, $"must be from 0 to {ScenarioLimits.MaxMonths}");
        }
    }

    private void CheckSlo(string p, SloSpec slo)
    {
        Finite($"{p}.latencyMs", slo.LatencyMs, min: double.Epsilon, max: ScenarioLimits.MaxServiceMs, required: slo.TtftMs is null && slo.TpotMs is null);
        Finite($"{p}.ttftMs", slo.TtftMs, min: double.Epsilon, max: ScenarioLimits.MaxServiceMs, required: false);
        Finite($"{p}.tpotMs", slo.TpotMs, min: double.Epsilon, max: ScenarioLimits.MaxServiceMs, required: false);
        Finite($"{p}.percentile", slo.Percentile, min: 1e-9, max: 99.9999, required: false);
        Finite($"{p}.maxRejectionPercent", slo.MaxRejectionPercent, min: 0, max: 100, required: false);
    }

    /// <summary>A list item given as JSON null: reported, and skipped by the other checks.</summary>
    private bool Present<T>(string path, [NotNullWhen(true)] T? item)
        where T : class
    {
        if (item is null)
        {
            Add(path, "must be an object, not null");
            return false;
        }

        return true;
    }

    private void Shape(string path, IReadOnlyList<double>? shape, int length)
    {
        if (shape is null)
        {
            return;
        }

        if (shape.Count != length)
        {
            Add(path, $"must hold {length} values; it holds {shape.Count}");
            return;
        }

        for (var i = 0; i < shape.Count; i++)
        {
            if (!double.IsFinite(shape[i]) || shape[i] < 0)
            {
                Add($"{path}[{i}]", "must be a finite number ≥ 0");
            }
        }

        if (shape.All(v => v <= 0))
        {
            Add(path, "must have at least one positive value");
        }
    }

    private void NotUsed(string path, ArrivalSpec arrivals, params string[] properties)
    {
        foreach (var property in properties)
        {
            var value = typeof(ArrivalSpec).GetProperty(property)!.GetValue(arrivals);
            if (value is not null)
            {
                var name = char.ToLowerInvariant(property[0]) + property[1..];
                Add($"{path}.{name}", $"is not used by kind '{arrivals.Kind}'");
            }
        }
    }

    private bool OneOf(string path, string? value, string[] allowed)
    {
        if (value is null)
        {
            Add(path, $"is required: one of {string.Join(", ", allowed)}");
            return false;
        }

        if (!allowed.Contains(value, StringComparer.Ordinal))
        {
            Add(path, $"'{value}' is not one of {string.Join(", ", allowed)}");
            return false;
        }

        return true;
    }

    private void Finite(string path, double? value, double min, double max, bool required)
    {
        if (value is not { } v)
        {
            if (required)
            {
                Add(path, "is required");
            }

            return;
        }

        if (double.IsNaN(v) || double.IsInfinity(v))
        {
            Add(path, "must be a finite number");
        }
        else if (v < min || v > max)
        {
            Add(path, $"{v.ToString("G6", CultureInfo.InvariantCulture)} is out of range [{Show(min)}, {Show(max)}]");
        }
    }

    private static string Show(double v) =>
        v == double.Epsilon ? "> 0" : v == double.MaxValue ? "∞" : v.ToString("G6", CultureInfo.InvariantCulture);

    private void Add(string path, string reason) => _errors.Add(new ScenarioError(path, reason));
}
