using System.Text.Json;
using InferencePlanner.Core.Catalog;
using InferencePlanner.Core.Profiles;
using InferencePlanner.Core.Scenarios;
using InferencePlanner.Planning.Forecasting;
using InferencePlanner.Simulation.Engine;
using InferencePlanner.Simulation.Results;
using InferencePlanner.Web.Extensions;
using InferencePlanner.Web.Jobs;
using InferencePlanner.Web.Persistence;

namespace InferencePlanner.Web;

/// <summary>What the pages ask for: validation, and long work handed to the background queue.</summary>
public sealed class PlannerActions(WorkQueueService queue, DeviceCatalog catalog, ProfileStore profiles)
{
    /// <summary>What-ifs stay quick: a dashboard run simulates at most this many measured queries per replication.</summary>
    public const long WhatIfQueries = 200_000;

    public const int WhatIfReplications = 3;

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = false };

    public IReadOnlyList<ScenarioError> Validate(Scenario scenario) =>
        ScenarioValidator.Validate(scenario, catalog, profiles.Contains);

    /// <summary>Queues a bounded simulation of <paramref name="scenario"/> (3 replications, time series on); null when the queue is full.</summary>
    public Task<Guid?> SimulateAsync(Scenario scenario, int? scenarioId = null, int? version = null)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        var baseDirectory = HostingExtensions.FindDataFolder("scenarios");
        var model = SimulationModel.Compile(WithSeries(scenario), catalog, baseDirectory, profiles);
        var bounded = model.HorizonInQueries && model.MeasuredQueries <= WhatIfQueries ? model : model.With(queries: WhatIfQueries);
        return queue.TryEnqueueAsync(new JobRequest("simulate", scenarioId, version, (progress, cancellation) =>
        {
            var result = SimulationRunner.Run(bounded, new SimulationOptions
            {
                Replications = WhatIfReplications,
                Progress = new Relay(p => progress.Report(p.Fraction)),
            }, cancellation);
            return Task.FromResult(JsonSerializer.Serialize(result, Json));
        }));
    }

    /// <summary>Queues the monthly forecast of <paramref name="scenario"/>; null when the queue is full.</summary>
    public Task<Guid?> ForecastAsync(Scenario scenario, int? scenarioId = null, int? version = null)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        var baseDirectory = HostingExtensions.FindDataFolder("scenarios");
        var forecaster = new Forecaster(catalog, profiles);
        return queue.TryEnqueueAsync(new JobRequest("forecast", scenarioId, version, (progress, cancellation) =>
        {
            var result = forecaster.Forecast(scenario, new ForecastOptions { Progress = progress }, baseDirectory, cancellation);
            return Task.FromResult(JsonSerializer.Serialize(result, Json));
        }));
    }

    public static ForecastResult? ReadForecast(string? json) => json is null ? null : JsonSerializer.Deserialize<ForecastResult>(json, Json);

    public static SimulationResult? ReadSimulation(string? json) => json is null ? null : JsonSerializer.Deserialize<SimulationResult>(json, Json);

    /// <summary>A time series with about 60 buckets over the run, unless the scenario asks for its own.</summary>
    private static Scenario WithSeries(Scenario scenario)
    {
        if (scenario.TimeSeriesIntervalSeconds is not null || scenario.Horizon?.Seconds is not { } seconds)
        {
            return scenario;
        }

        return scenario with { TimeSeriesIntervalSeconds = Math.Max(0.001, seconds / 60) };
    }

    private sealed class Relay(Action<SimulationProgress> report) : IProgress<SimulationProgress>
    {
        public void Report(SimulationProgress value) => report(value);
    }
}
