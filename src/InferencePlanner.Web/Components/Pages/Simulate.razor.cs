using System.Globalization;
using InferencePlanner.Core.Scenarios;
using InferencePlanner.Simulation.Results;
using InferencePlanner.Web.Jobs;
using InferencePlanner.Web.Persistence;
using Microsoft.AspNetCore.Components;

namespace InferencePlanner.Web.Components.Pages;

public partial class Simulate : JobPage
{
    [Inject]
    public required ScenarioStore Store { get; init; }

    [Inject]
    public required NavigationManager Navigation { get; init; }

    /// <summary>The scenario, in the URL so that a run can be shared as a link.</summary>
    [SupplyParameterFromQuery(Name = "scenario")]
    public int? ScenarioId { get; set; }

    private IReadOnlyList<ScenarioRecord> Scenarios { get; set; } = [];
    private ScenarioRecord? Selected { get; set; }
    private SimulationResult? Result { get; set; }

    /// <summary>What runs (or ran) in words: replications and the scenario's horizon.</summary>
    private string? RunDescription { get; set; }

    protected override async Task OnInitializedAsync()
    {
        Scenarios = await Store.ListAsync();
        Selected = Scenarios.FirstOrDefault(s => s.Id == ScenarioId);
    }

    private async Task SelectAsync(int? id)
    {
        ScenarioId = id;
        Selected = Scenarios.FirstOrDefault(s => s.Id == id);
        Result = null;
        Navigation.NavigateTo(Navigation.GetUriWithQueryParameter("scenario", id), replace: true);
        await Task.CompletedTask;
    }

    private async Task RunAsync()
    {
        if (Selected is null)
        {
            return;
        }

        Message = null;
        Scenario scenario;
        try
        {
            scenario = ScenarioJson.Parse(Selected.Json);
            var errors = Actions.Validate(scenario);
            if (errors.Count > 0)
            {
                Message = string.Join("; ", errors.Select(e => e.ToString()));
                return;
            }

            var selected = Selected;
            var plan = Actions.PlanSimulation(scenario);
            RunDescription = plan.Description;
            if (!await Watcher.StartAsync(() => Actions.SimulateAsync(plan, selected.Id, selected.Version)))
            {
                Message = "The work queue is full: try again shortly.";
            }
        }
        catch (ScenarioException ex)
        {
            Message = ex.Message;
        }
    }

    protected override void OnFinished(JobStatus status)
    {
        Result = status.State == JobState.Succeeded ? PlannerActions.ReadSimulation(status.ResultJson) : Result;
        Message = status.Problem;
    }

    /// <summary>The key figures' 95 % half-widths in words, the generative ones too.</summary>
    private static string HalfWidths(SimulationResult r, Ci95 ci)
    {
        static string Ms(double value) => $"{value.ToString(value >= 100 ? "N0" : "N2", CultureInfo.InvariantCulture)} ms";
        if (ci.P99TtftMs is { } ttft && ci.P99TpotMs is { } tpot && ci.OutputTokensPerSecond is { } tokens)
        {
            return $"95 % half-widths (± under each figure) over {r.Replications} replications; output tokens ± {tokens.ToString("N0", CultureInfo.InvariantCulture)}/s, "
                + $"goodput ± {ci.GoodputPerSecond.ToString("N2", CultureInfo.InvariantCulture)} requests/s (p99 TTFT ± {Ms(ttft)}, p99 TPOT ± {Ms(tpot)}).";
        }

        return $"95 % half-widths over {r.Replications} replications: mean latency ± {Ms(ci.MeanLatencyMs)}, p99 ± {Ms(ci.P99LatencyMs)}, utilization ± {ci.Utilization.ToString("P2", CultureInfo.InvariantCulture)}.";
    }

    internal static string SloText(SimulationResult r) => r.SloMet switch
    {
        true => "meets the SLO",
        false => "misses the SLO",
        _ => "no SLO set",
    };

    /// <summary>A verdict's colour: met in green, missed in red, none neutral.</summary>
    internal static MudBlazor.Color SloColor(SimulationResult r) => r.SloMet switch
    {
        true => MudBlazor.Color.Success,
        false => MudBlazor.Color.Error,
        _ => MudBlazor.Color.Default,
    };

    /// <summary>Requests per second within every target, and their share of those served.</summary>
    internal static string Goodput(SimulationResult r) => r.SloMet is null
        ? $"{r.ThroughputPerSecond.ToString("N2", CultureInfo.InvariantCulture)} requests/s served (no TTFT or TPOT target set)"
        : $"goodput {r.GoodputPerSecond.ToString("N2", CultureInfo.InvariantCulture)} of {r.ThroughputPerSecond.ToString("N2", CultureInfo.InvariantCulture)} requests/s within the TTFT + TPOT targets";

    /// <summary>The generative pools' KV cache in use: time mean over the window, weighted by each pool's cache.</summary>
    internal static string KvShare(IReadOnlyList<PoolResult> pools)
    {
        var capacity = pools.Sum(p => (double)p.Llm!.KvCapacityTokensPerReplica * p.Servers);
        return capacity > 0
            ? (pools.Sum(p => p.Llm!.KvCacheUtilization * p.Llm.KvCapacityTokensPerReplica * p.Servers) / capacity).ToString("P1", CultureInfo.InvariantCulture)
            : "unknown";
    }

    internal static string KvDetail(IReadOnlyList<PoolResult> pools) =>
        $"{pools.Sum(p => p.Llm!.Preemptions):N0} preemptions; {pools.Sum(p => p.Llm!.MeanRunningSequences).ToString("N1", CultureInfo.InvariantCulture)} sequences running on average";

    /// <summary>"2 replicas × 4 devices each (8 devices)" for a tensor-parallel pool; the count for any other.</summary>
    internal static string Servers(PoolResult p)
    {
        var replicas = p.Servers == 1 ? "1 replica" : $"{p.Servers:N0} replicas";
        return p.DevicesPerServer > 1
            ? $"{replicas} × {p.DevicesPerServer} devices each ({p.Servers * p.DevicesPerServer:N0} devices)"
            : p.Llm is not null ? $"{replicas} × 1 device" : $"{p.Servers:N0}";
    }

    /// <summary>A generative pool's batch composition per step; another pool's mean batch.</summary>
    internal static string Batch(PoolResult p) => p.Llm is { } llm
        ? $"{llm.MeanDecodeTokensPerStep.ToString("N1", CultureInfo.InvariantCulture)} decode + {llm.MeanPrefillTokensPerStep.ToString("N0", CultureInfo.InvariantCulture)} prompt tokens per step"
        : $"{p.MeanBatchSize.ToString("N2", CultureInfo.InvariantCulture)} queries";
}
