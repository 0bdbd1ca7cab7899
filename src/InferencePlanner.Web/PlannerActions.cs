using System.Globalization;
using System.Text.Json;
using InferencePlanner.Core.Catalog;
using InferencePlanner.Core.Contracts;
using InferencePlanner.Core.Profiles;
using InferencePlanner.Calibration.Models;
using InferencePlanner.Calibration.Profiling;
using InferencePlanner.Calibration.Projection;
using InferencePlanner.Core.Scenarios;
using InferencePlanner.Planning.Forecasting;
using InferencePlanner.Simulation.Engine;
using InferencePlanner.Simulation.Results;
using InferencePlanner.Web.Extensions;
using InferencePlanner.Web.Jobs;
using InferencePlanner.Web.Api;
using InferencePlanner.Web.Persistence;
using Microsoft.Extensions.Options;

namespace InferencePlanner.Web;

/// <summary>What the pages ask for: validation, and long work handed to the background queue.</summary>
public sealed class PlannerActions(WorkQueueService queue, CatalogService catalogs, ProfileStore profiles, PlannerStorage storage, IOptions<ApiOptions> limits)
{
    /// <summary>What-ifs stay quick: one beside the plan form simulates at most this many measured queries per replication.</summary>
    public const long WhatIfQueries = 200_000;

    /// <summary>Replications of a what-if and of a simulate-page run (their spread gives the 95 % half-widths).</summary>
    public const int WhatIfReplications = 3;

    /// <summary>Results are stored as the API answers them: the contracts' one set of JSON settings.</summary>
    private static JsonSerializerOptions Json => ContractJson.Options;

    /// <summary>The catalog with the team's edits, as it stands now.</summary>
    public DeviceCatalog Catalog => catalogs.Current;

    /// <summary>
    /// The scenario's problems against the catalog (with the team's edits) and the profiles; and a trace must be
    /// one kept in the data folder or a shipped one: no document reaches a file elsewhere on this server.
    /// </summary>
    public IReadOnlyList<ScenarioError> Validate(Scenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        var errors = ScenarioValidator.Validate(scenario, Catalog, profiles.Contains);
        if (scenario.Workload?.Arrivals is { Kind: ScenarioNames.Trace, Path: { Length: > 0 } path }
            && !storage.AllowsTrace(path, Core.DataFolders.Find("scenarios"), Core.DataFolders.Find("traces")))
        {
            return [.. errors, new ScenarioError("$.workload.arrivals.path",
                $"'{path}' is outside this server's traces: upload the trace (the plan page, or name a shipped one such as azure-llm-2023-conv.csv)")];
        }

        return errors;
    }

    /// <summary>
    /// What the simulate page runs for <paramref name="scenario"/>: its own horizon, three replications, a time series,
    /// within this server's limits (the API's: queries per run, horizon, events per replication) — and that in words.
    /// </summary>
    public PlannedRun PlanSimulation(Scenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        var model = SimulationModel.Compile(WithSeries(scenario), Catalog, Core.DataFolders.Find("scenarios"), profiles);
        CheckLimits(model, WhatIfReplications, limits.Value, queriesField: "$.horizon.queries");
        model = model.With(maxEvents: limits.Value.MaxEvents);
        return new PlannedRun(model, WhatIfReplications, $"{WhatIfReplications} replications of the scenario's horizon: {DescribeHorizon(model)}");
    }

    /// <summary>Queues the simulate page's run of <paramref name="scenario"/> (<see cref="PlanSimulation"/>); null when the queue is full.</summary>
    public Task<Guid?> SimulateAsync(Scenario scenario, int? scenarioId = null, int? version = null) =>
        SimulateAsync(PlanSimulation(scenario), scenarioId, version);

    /// <summary>Queues a planned run (<see cref="PlanSimulation"/>); null when the queue is full.</summary>
    public Task<Guid?> SimulateAsync(PlannedRun run, int? scenarioId = null, int? version = null)
    {
        ArgumentNullException.ThrowIfNull(run);
        return EnqueueSimulation(run, scenarioId, version);
    }

    /// <summary>
    /// Queues the quick what-if of a draft (the plan page): at most <see cref="WhatIfQueries"/> measured queries per
    /// replication, three replications; null when the queue is full.
    /// </summary>
    public Task<Guid?> WhatIfAsync(Scenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        var model = SimulationModel.Compile(WithSeries(scenario, WhatIfQueries), Catalog, Core.DataFolders.Find("scenarios"), profiles);
        var bounded = model.HorizonInQueries && model.MeasuredQueries <= WhatIfQueries ? model : model.With(queries: WhatIfQueries);
        return EnqueueSimulation(new PlannedRun(bounded, WhatIfReplications, $"{WhatIfReplications} replications of up to {WhatIfQueries:N0} queries"), null, null);
    }

    /// <summary>
    /// This server's limits on one simulation (section Api): (warm-up + measured) queries × replications, the horizon
    /// in seconds. Beyond them a named error, never a silently shortened run.
    /// </summary>
    public static void CheckLimits(SimulationModel model, int replications, ApiOptions limits, string queriesField)
    {
        ArgumentNullException.ThrowIfNull(limits);
        RunLimits.Check(model, replications, limits.MaxQueriesPerRun, limits.MaxHorizonSeconds, queriesField,
            "this server's limit: Api:MaxQueriesPerRun", "this server's limit: Api:MaxHorizonSeconds");
    }

    /// <summary>A model's horizon in words: "1,000,000 queries after 50,000 of warm-up", "72 h after a 1 h warm-up".</summary>
    public static string DescribeHorizon(SimulationModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        static string Span(double seconds) => seconds >= 3600
            ? $"{(seconds / 3600).ToString("0.##", CultureInfo.InvariantCulture)} h"
            : $"{seconds.ToString("0.##", CultureInfo.InvariantCulture)} s";
        return model.HorizonInQueries
            ? $"{model.MeasuredQueries:N0} measured queries" + (model.WarmupQueries > 0 ? $" after {model.WarmupQueries:N0} of warm-up" : string.Empty)
            : $"{Span(model.MeasuredSeconds)} of simulated time" + (model.WarmupSeconds > 0 ? $" after a {Span(model.WarmupSeconds)} warm-up" : string.Empty);
    }

    private Task<Guid?> EnqueueSimulation(PlannedRun run, int? scenarioId, int? version) =>
        queue.TryEnqueueAsync(new JobRequest("simulate", scenarioId, version, (progress, cancellation) =>
        {
            var result = SimulationRunner.Run(run.Model, new SimulationOptions
            {
                Replications = run.Replications,
                Progress = new Relay(p => progress.Report(p.Fraction)),
            }, cancellation);
            return Task.FromResult(JsonSerializer.Serialize(result, Json));
        }));

    /// <summary>A simulation as a page runs it: the compiled model, its replications, and what runs in words.</summary>
    public sealed record PlannedRun(SimulationModel Model, int Replications, string Description);

    /// <summary>Queues the monthly forecast of <paramref name="scenario"/>; null when the queue is full.</summary>
    public Task<Guid?> ForecastAsync(Scenario scenario, int? scenarioId = null, int? version = null)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        var baseDirectory = Core.DataFolders.Find("scenarios");
        var forecaster = new Forecaster(Catalog, profiles);
        return queue.TryEnqueueAsync(new JobRequest("forecast", scenarioId, version, (progress, cancellation) =>
        {
            var result = forecaster.Forecast(scenario, new ForecastOptions { Progress = progress }, baseDirectory, cancellation);
            return Task.FromResult(JsonSerializer.Serialize(result, Json));
        }));
    }

    /// <summary>The three desks of a scenario: its forecast (a one-month sizing when it has no growth) and its fleet repriced for each desk.</summary>
    public Task<Guid?> DeskAsync(Scenario scenario, int? scenarioId = null, int? version = null)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        var baseDirectory = Core.DataFolders.Find("scenarios");
        var catalog = Catalog;
        var forecaster = new Forecaster(catalog, profiles);
        var planned = scenario.Growth is null ? scenario with { Growth = new GrowthSpec { Months = 1, MonthlyGrowthPercent = 0 } } : scenario;
        return queue.TryEnqueueAsync(new JobRequest("desk", scenarioId, version, (progress, cancellation) =>
        {
            var forecast = forecaster.Forecast(planned, new ForecastOptions { Progress = new ScaledProgress(progress, 0.9) }, baseDirectory, cancellation);
            var report = Planning.Reports.DeskReport.Build(forecaster, catalog, profiles, planned, forecast, baseDirectory);
            progress.Report(1);
            return Task.FromResult(JsonSerializer.Serialize(report, Json));
        }));
    }

    /// <summary>Reports a part of a job's progress: each fraction scaled, on the caller's thread.</summary>
    private sealed class ScaledProgress(IProgress<double> inner, double scale) : IProgress<double>
    {
        public void Report(double value) => inner.Report(value * scale);
    }

    public static Planning.Reports.DeskReport? ReadDesk(string? json) => json is null ? null : JsonSerializer.Deserialize<Planning.Reports.DeskReport>(json, Json);

    /// <summary>Side by side: each scenario simulated (bounded) and its fleet's month of cost, energy and carbon.</summary>
    public Task<Guid?> CompareAsync(IReadOnlyList<(int Id, string Name, Scenario Scenario)> scenarios)
    {
        ArgumentNullException.ThrowIfNull(scenarios);
        var baseDirectory = Core.DataFolders.Find("scenarios");
        var catalog = Catalog; // one snapshot for every scenario of the comparison
        var forecaster = new Forecaster(catalog, profiles);
        return queue.TryEnqueueAsync(new JobRequest("compare", null, null, (progress, cancellation) =>
        {
            var rows = new List<ComparedScenario>();
            for (var i = 0; i < scenarios.Count; i++)
            {
                var (id, name, scenario) = scenarios[i];
                var model = SimulationModel.Compile(scenario, catalog, baseDirectory, profiles);
                var bounded = model.HorizonInQueries && model.MeasuredQueries <= WhatIfQueries ? model : model.With(queries: WhatIfQueries);
                var result = SimulationRunner.Run(bounded, new SimulationOptions(), cancellation);
                var evaluation = result.Stable ? forecaster.Evaluate(model, result) : null;
                var month = evaluation?.Month;
                // Energy counts the users' devices too (at their own power): offloading must not look free.
                var notes = evaluation?.Warnings ?? [result.Reason ?? "unstable: the offered load exceeds the fleet's capacity"];
                if (month is { EdgeEnergyKWh: > 0 } edge)
                {
                    notes = [.. notes, FormattableString.Invariant($"energy includes {edge.EdgeEnergyKWh:N0} kWh drawn by the users' devices (the edge pool), at their own power and grid")];
                }

                rows.Add(new ComparedScenario(id, name, model.Pools.Sum(p => p.Servers * (p.Spec.Llm?.TensorParallel ?? 1)), result.Stable, result.LatencyMs.P99, result.SloMet, month?.CostUsd, month is null ? null : month.EnergyKWh + month.EdgeEnergyKWh, month?.CarbonKg, month?.CostPerMillionQueriesUsd)
                {
                    P99TtftMs = result.TtftMs?.P99,
                    P99TpotMs = result.TpotMs?.P99,
                    EnergyKnown = evaluation?.EnergyKnown ?? true,
                    Notes = notes,
                });
                progress.Report((i + 1.0) / scenarios.Count);
            }

            return Task.FromResult(JsonSerializer.Serialize(rows, Json));
        }));
    }

    /// <summary>
    /// The overview's figures for a saved scenario and its latest simulation: fleet, p99 against the SLO, and the
    /// listed fleet's month of cost and carbon (priced as <see cref="Forecaster.Evaluate"/> does; nothing re-run).
    /// </summary>
    public Glance AtAGlance(ScenarioRecord record, RunRecord run)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(run);
        var scenario = ScenarioJson.Parse(record.Json);
        var result = ReadSimulation(run.ResultJson) ?? throw new InvalidOperationException($"run {run.Id} has no result");
        var evaluation = result.Stable ? new Forecaster(Catalog, profiles).Evaluate(scenario, result, Core.DataFolders.Find("scenarios")) : null;
        var slo = scenario.Slo?.LatencyMs;
        // A pool without a catalog device has no price and no power: the fleet's cost and carbon are then unknown, not zero.
        var priced = evaluation is not null && (scenario.Pools ?? []).All(p => p.Device is not null);
        return new Glance(record.Id, record.Name, run.ScenarioVersion != record.Version,
            [.. (scenario.Pools ?? []).Select(p => $"{p.Name}: {p.Count ?? 1} × {p.Device ?? "servers (no catalog device)"}{(p.Llm?.TensorParallel is > 1 ? $" (TP{p.Llm.TensorParallel})" : "")}")],
            result.Stable, result.LatencyMs.P99, slo, result.SloMet, priced ? evaluation!.Month.CostUsd : null, priced ? evaluation!.Month.CarbonKg / 1000 : null, evaluation?.EnergyKnown ?? true);
    }

    /// <summary>The current scenario at a glance (money per month, carbon in tonnes CO2e per month).</summary>
    public sealed record Glance(int ScenarioId, string Name, bool Edited, IReadOnlyList<string> Fleet, bool Stable, double P99LatencyMs, double? SloLatencyMs, bool? SloMet, double? CostUsdPerMonth, double? TonnesCo2ePerMonth, bool EnergyKnown);

    public static IReadOnlyList<ComparedScenario>? ReadComparison(string? json) => json is null ? null : JsonSerializer.Deserialize<List<ComparedScenario>>(json, Json);

    /// <summary>Profiles a zoo model live (ONNX Runtime, here) in the background queue.</summary>
    public Task<Guid?> CalibrateAsync(string model, IReadOnlyList<int> batches)
    {
        if (!ModelZoo.Names.Contains(model, StringComparer.Ordinal))
        {
            throw new ScenarioException("model", $"'{model}' is not a zoo model");
        }

        return queue.TryEnqueueAsync(new JobRequest("calibrate", null, null, (progress, cancellation) =>
        {
            var options = new ProfilerOptions { Batches = batches, Threads = Environment.ProcessorCount, MinSecondsPerBatch = 0.3, MinRuns = 10, OperatorClasses = false };
            var profile = Profiler.Run(ModelUnderTest.From(ModelZoo.Create(model)), options, new Relay<ProfilerProgress>(p => progress.Report(p.Fraction)), cancellation);
            return Task.FromResult(ProfileStore.Write(profile));
        }));
    }

    /// <summary>
    /// Profiles an uploaded .onnx file (already saved at <paramref name="path"/>) in a supervised child process, in
    /// the background queue; the file is deleted when the work ends.
    /// </summary>
    public Task<Guid?> CalibrateFileAsync(string path, string fileName, IReadOnlyList<int> batches) =>
        queue.TryEnqueueAsync(new JobRequest("calibrate", null, null, async (progress, cancellation) =>
        {
            try
            {
                progress.Report(0.05);
                return await Calibration.OnnxProfileWorker.ProfileAsync(path, fileName, batches, cancellation).ConfigureAwait(false);
            }
            finally
            {
                Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
            }
        }));

    /// <summary>Projections of a zoo model at batch 8 onto the main catalog devices (fp16), for the calibrate page.</summary>
    public IReadOnlyList<ProjectionResult> Projections(string model)
    {
        var projector = new RooflineProjector(Catalog, profiles);
        var results = new List<ProjectionResult>();
        foreach (var device in MainDevices)
        {
            try
            {
                results.Add(projector.Project(model, device, Precisions.Fp16, 8));
            }
            catch (ProjectionException)
            {
                // the device lacks a figure the projection needs: it is left out of the table
            }
        }

        return results;
    }

    public static readonly string[] MainDevices = ["nvidia-h100-sxm", "nvidia-h200", "nvidia-a100-sxm-80gb", "nvidia-l4", "nvidia-l40s", "nvidia-t4", "amd-mi300x", "google-tpu-v5e", "aws-inferentia2"];

    /// <summary>
    /// Keeps a calibrated profile, in the database and in the store scenarios resolve profile ids from, under an id of
    /// its own: when its id is taken (a shipped profile, or one saved before), it is saved as <c>{id}-2</c>,
    /// <c>{id}-3</c>, …, so that it never silently replaces the profile scenarios already name. Returns the saved profile.
    /// </summary>
    public async Task<ThroughputProfile> SaveProfileAsync(ThroughputProfile profile, Persistence.PlannerDb db)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(db);
        // One save at a time, so that two pages saving the same id at once get -2 and -3, not one error.
        await ProfileSaves.WaitAsync().ConfigureAwait(false);
        try
        {
            var id = profile.Id;
            for (var n = 2; profiles.Contains(id) || await db.Profiles.FindAsync(id).ConfigureAwait(false) is not null; n++)
            {
                id = $"{profile.Id}-{n.ToString(CultureInfo.InvariantCulture)}";
            }

            var saved = profile with { Id = id };
            db.Profiles.Add(new Persistence.ProfileRecord { Id = id, Json = ProfileStore.Write(saved), SavedAt = DateTimeOffset.UtcNow });
            await db.SaveChangesAsync().ConfigureAwait(false);
            profiles.Add(saved);
            return saved;
        }
        finally
        {
            ProfileSaves.Release();
        }
    }

    private static readonly SemaphoreSlim ProfileSaves = new(1, 1);

    public static ForecastResult? ReadForecast(string? json) => json is null ? null : JsonSerializer.Deserialize<ForecastResult>(json, Json);

    public static SimulationResult? ReadSimulation(string? json) => json is null ? null : JsonSerializer.Deserialize<SimulationResult>(json, Json);

    /// <summary>
    /// A time series with about 60 buckets over the measured run, unless the scenario asks for its own: over its seconds,
    /// or over its queries (at most <paramref name="maxQueries"/>) at a steady rate. Without a span to divide, none.
    /// </summary>
    private static Scenario WithSeries(Scenario scenario, long maxQueries = long.MaxValue)
    {
        if (scenario.TimeSeriesIntervalSeconds is not null)
        {
            return scenario;
        }

        var seconds = scenario.Horizon?.Seconds
            ?? (scenario.Horizon?.Queries is { } queries
                && scenario.Workload?.Arrivals is { Kind: ScenarioNames.Poisson or ScenarioNames.Constant, RatePerSecond: > 0 and var rate }
                ? Math.Min(queries, maxQueries) / rate
                : null);
        return seconds is { } span && double.IsFinite(span) ? scenario with { TimeSeriesIntervalSeconds = Math.Max(0.001, span / 60) } : scenario;
    }

    /// <summary>One column of the compare page.</summary>
    public sealed record ComparedScenario(int Id, string Name, int Devices, bool Stable, double P99LatencyMs, bool? SloMet, double? CostUsdPerMonth, double? EnergyKWhPerMonth, double? CarbonKgPerMonth, double? CostPerMillionQueriesUsd)
    {
        /// <summary>p99 time to first token, for generative scenarios.</summary>
        public double? P99TtftMs { get; init; }

        /// <summary>p99 time per output token, for generative scenarios.</summary>
        public double? P99TpotMs { get; init; }

        /// <summary>False where a device's power is unknown: energy is then unknown and carbon is embodied only.</summary>
        public bool EnergyKnown { get; init; } = true;

        /// <summary>What was assumed or missing (no price, no power figure, overload).</summary>
        public IReadOnlyList<string> Notes { get; init; } = [];

        /// <summary>
        /// The verdict on the cheapest: among the rows that are stable, meet their SLO (or set none) and have a known
        /// cost, the cheapest by USD a month; the rows that cannot be ranked are named with why (cost unknown, SLO missed,
        /// overloaded), never counted as free.
        /// </summary>
        public static string Cheapest(IReadOnlyList<ComparedScenario> rows)
        {
            ArgumentNullException.ThrowIfNull(rows);
            var ranked = rows.Where(r => r.Stable && r.SloMet != false && r.CostUsdPerMonth is not null).OrderBy(r => r.CostUsdPerMonth).ToList();
            var left = rows.Except(ranked).Select(r => $"{r.Name} ({(!r.Stable ? "overloaded" : r.SloMet == false ? "misses its SLO" : "cost unknown")})").ToList();
            var verdict = ranked.Count == 0
                ? "none can be ranked by cost"
                : FormattableString.Invariant($"cheapest that meets its SLO: {ranked[0].Name}, {ranked[0].CostUsdPerMonth:N0} USD/month")
                  + (ranked.Count > 1 ? FormattableString.Invariant($" ({ranked[1].CostUsdPerMonth - ranked[0].CostUsdPerMonth:N0} less than {ranked[1].Name})") : string.Empty);
            return left.Count == 0 ? verdict : $"{verdict}; not ranked: {string.Join(", ", left)}";
        }
    }

    private sealed class Relay(Action<SimulationProgress> report) : IProgress<SimulationProgress>
    {
        public void Report(SimulationProgress value) => report(value);
    }

    private sealed class Relay<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
