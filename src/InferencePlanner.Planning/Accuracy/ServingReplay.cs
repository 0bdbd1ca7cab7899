using System.Globalization;
using InferencePlanner.Core;
using InferencePlanner.Core.Catalog;
using InferencePlanner.Core.Llm;
using InferencePlanner.Core.Scenarios;
using InferencePlanner.Simulation.Engine;
using InferencePlanner.Simulation.Results;

namespace InferencePlanner.Planning.Accuracy;

/// <summary>
/// One measured stage of a serving engine under load (a row of <c>data/measured/vllm-h100-runs.csv</c>): the
/// model, device, engine limits and load as run, and what was measured.
/// </summary>
public sealed record MeasuredStage(
    string Experiment,
    int Stage,
    string Model,
    string Device,
    int TensorParallel,
    int MaxBatchedTokens,
    int MaxSequences,
    double RatePerSecond,
    double StageSeconds,
    int PrefixTokens,
    int DistinctPrompts,
    double PromptTokens,
    int OutputTokensRequested,
    double OutputTokensSeen,
    long Completed,
    long Failed,
    double TtftMeanSeconds,
    double TtftP99Seconds,
    double E2eMeanSeconds,
    double OutputTokensPerSecond,
    string Source)
{
    public string Name => $"{Experiment} stage {Stage}";

    /// <summary>The experiment without a leading run timestamp (20260217-155451-), for tables.</summary>
    public string Label => System.Text.RegularExpressions.Regex.IsMatch(Experiment, @"^\d{8}-\d{6}-") ? Experiment[16..] : Experiment;

    /// <summary>
    /// The load tool (inference-perf's shared-prefix generator, at the version these runs used) draws every request
    /// from a pool of prompts made once: <c>num_groups</c> × <c>num_prompts_per_group</c> of them, each a group's
    /// system prompt and a question of its own, sent round and round. The profiles' keys for other pool sizes
    /// (<c>num_unique_system_prompts</c>, <c>num_users_per_system_prompt</c>, <c>enable_multi_turn_chat</c>) were not
    /// read by that version: each run's <c>results/config.yaml</c> shows it ran its defaults, 10 × 10.
    /// </summary>
    public const int LoadToolDefaultPrompts = 10 * 10;

    /// <summary>
    /// The stage as a scenario: evenly spaced arrivals at the stage's rate for its length (no warm-up for a first
    /// stage: the load tool measured every request), prompts of the measured mean length, outputs of the requested
    /// length (the engine was told to ignore end-of-sequence), the engine's batching limits. Each request sends one
    /// of the tool's <see cref="DistinctPrompts"/> prompts, so the whole prompt is a shared prefix: after its first
    /// sending the engine's prefix cache holds all of it but the last block. A later stage of an experiment ran on
    /// the engine the earlier ones had warmed: it is replayed after a warm-up of ten requests per distinct prompt at
    /// its own rate (every prompt sent at least once, but for a chance of about 100 × e⁻¹⁰).
    /// </summary>
    public Scenario ToScenario(int seed = 1) => new()
    {
        Name = Name,
        Seed = seed,
        Horizon = new Horizon { Seconds = StageSeconds, WarmupSeconds = Stage == 0 ? 0 : 10.0 * DistinctPrompts / RatePerSecond },
        Workload = new Workload
        {
            Arrivals = new ArrivalSpec { Kind = ScenarioNames.Constant, RatePerSecond = RatePerSecond },
            Tokens = new TokensSpec
            {
                Input = new TokenDistributionSpec { Distribution = ScenarioNames.Deterministic, Mean = Math.Round(PromptTokens) },
                Output = new TokenDistributionSpec { Distribution = ScenarioNames.Deterministic, Mean = OutputTokensRequested },
            },
            Prefix = new PrefixSpec { Tokens = (int)Math.Round(PromptTokens), Groups = DistinctPrompts },
        },
        Pools =
        [
            new PoolSpec
            {
                Name = "vllm",
                Device = Device,
                Count = 1,
                Llm = new LlmSpec
                {
                    Model = Model,
                    Precision = Precisions.Fp16,
                    TensorParallel = TensorParallel,
                    MaxBatchedTokens = MaxBatchedTokens,
                    MaxSequences = MaxSequences,
                },
            },
        ],
    };
}

/// <summary>A stage replayed: what was measured beside what the simulator says, and their relative errors.</summary>
public sealed record ReplayedStage(MeasuredStage Measured, bool Stable, string? Reason, double TtftMeanSeconds, double TtftP99Seconds, double E2eMeanSeconds, double OutputTokensPerSecond)
{
    /// <summary>The requests per second the replay says the engine can serve, when it called the stage overloaded before running it.</summary>
    public double? CapacityPerSecond { get; init; }

    /// <summary>Why the stage could not be replayed (a model no preset names, a device the catalog lacks), or null.</summary>
    public string? NotReplayed { get; init; }

    /// <summary>Whether the measured stage overloaded the engine (requests failed).</summary>
    public bool MeasuredOverloaded => Measured.Failed > 0;

    public double TtftMeanError => Relative(TtftMeanSeconds, Measured.TtftMeanSeconds);

    public double TtftP99Error => Relative(TtftP99Seconds, Measured.TtftP99Seconds);

    public double E2eMeanError => Relative(E2eMeanSeconds, Measured.E2eMeanSeconds);

    public double TokensPerSecondError => Relative(OutputTokensPerSecond, Measured.OutputTokensPerSecond);

    private static double Relative(double simulated, double measured) => (simulated - measured) / measured;
}

/// <summary>The accuracy table: every stage replayed, and the median absolute errors over the stages that did not overload.</summary>
public sealed record AccuracyReport(IReadOnlyList<ReplayedStage> Stages)
{
    /// <summary>The stages both the engine and the replay served: the ones whose latencies compare.</summary>
    private IEnumerable<ReplayedStage> Served => Replayed.Where(s => !s.MeasuredOverloaded && s.Stable);

    private IEnumerable<ReplayedStage> Replayed => Stages.Where(s => s.NotReplayed is null);

    /// <summary>Stages that could not be replayed (each says why): in no figure below.</summary>
    public int NotReplayed => Stages.Count(s => s.NotReplayed is not null);

    /// <summary>Stages the engine served that the replay calls overloaded (its capacity too low).</summary>
    public int FalseOverloads => Replayed.Count(s => !s.MeasuredOverloaded && !s.Stable);

    /// <summary>Stages whose latencies are compared.</summary>
    public int Compared => Served.Count();

    public double MedianE2eError => Median(Served.Select(s => Math.Abs(s.E2eMeanError)));

    public double MedianTtftMeanError => Median(Served.Select(s => Math.Abs(s.TtftMeanError)));

    public double MedianTtftP99Error => Median(Served.Select(s => Math.Abs(s.TtftP99Error)));

    public double MedianTokensPerSecondError => Median(Served.Select(s => Math.Abs(s.TokensPerSecondError)));

    /// <summary>Overloaded stages the simulator also calls unstable, of all overloaded stages.</summary>
    public (int Called, int Overloaded) OverloadVerdicts => (Replayed.Count(s => s.MeasuredOverloaded && !s.Stable), Replayed.Count(s => s.MeasuredOverloaded));

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : 0.5 * (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]);
    }
}

/// <summary>
/// Replays measured serving runs through the simulator (<c>inferenceplanner accuracy</c>): each stage's mean and p99
/// TTFT, mean end-to-end latency and output tokens per second, simulated beside measured.
/// </summary>
public static class ServingReplay
{
    public const string FileName = "vllm-h100-runs.csv";

    /// <summary>The shipped runs (<c>data/measured/vllm-h100-runs.csv</c>).</summary>
    public static string? DefaultFile() => DataFolders.Find("measured", FileName) is { } folder ? Path.Combine(folder, FileName) : null;

    /// <summary>Reads the runs: one stage per row, the columns named in the file's header.</summary>
    public static IReadOnlyList<MeasuredStage> Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var lines = File.ReadAllLines(path).Where(l => l.Length > 0).ToArray();
        if (lines.Length < 2)
        {
            throw new FormatException($"{Path.GetFileName(path)}: no runs");
        }

        var header = lines[0].Split(',');
        int Column(string name) => Array.IndexOf(header, name) is >= 0 and var i ? i : throw new FormatException($"{Path.GetFileName(path)}: no column '{name}'");
        var stages = new List<MeasuredStage>();
        for (var n = 1; n < lines.Length; n++)
        {
            var row = lines[n].Split(',');
            var line = n + 1;
            string Text(string name) => Column(name) is var i && i < row.Length ? row[i] : throw new FormatException($"{Path.GetFileName(path)}: line {line} has no '{name}'");
            double Number(string name) => double.TryParse(Text(name), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) && v >= 0 ? v
                : throw new FormatException($"{Path.GetFileName(path)}: line {line}, {name}: '{Text(name)}' is not a finite, non-negative number");
            int Whole(string name) => int.TryParse(Text(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= 0 ? v
                : throw new FormatException($"{Path.GetFileName(path)}: line {line}, {name}: '{Text(name)}' is not a non-negative whole number");
            stages.Add(new MeasuredStage(
                Text("experiment"), Whole("stage"), ModelPreset(Text("model")), DeviceId(Text("gpu")), Whole("tensor_parallel"),
                Whole("vllm_max_num_batched_tokens"), Whole("vllm_max_num_seqs"), Number("rate_per_s"), Number("stage_seconds"),
                Whole("system_prompt_tokens"), DistinctPrompts(Path.GetFileName(path), header, row, line), Number("measured_prompt_tokens_mean"), Whole("output_tokens_requested"),
                Number("measured_output_tokens_mean"), (long)Number("completed"), (long)Number("failed"), Number("ttft_mean_s"), Number("ttft_p99_s"),
                Number("e2e_mean_s"), Number("output_tokens_per_s"), Text("source")));
        }

        return stages;
    }

    /// <summary>
    /// The load tool's prompt pool of a row: its <c>distinct_prompts</c> column where the file has one (a positive
    /// whole number), else the pool the tool ran with these profiles (<see cref="MeasuredStage.LoadToolDefaultPrompts"/>).
    /// </summary>
    private static int DistinctPrompts(string file, string[] header, string[] row, int line)
    {
        var i = Array.IndexOf(header, "distinct_prompts");
        if (i < 0)
        {
            return MeasuredStage.LoadToolDefaultPrompts;
        }

        return i < row.Length && int.TryParse(row[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v > 0 ? v
            : throw new FormatException($"{file}: line {line}, distinct_prompts: '{(i < row.Length ? row[i] : string.Empty)}' is not a positive whole number");
    }

    /// <summary>Replays every stage (in parallel over stages; each replay is itself deterministic).</summary>
    public static AccuracyReport Replay(IReadOnlyList<MeasuredStage> stages, DeviceCatalog catalog, IProgress<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(stages);
        ArgumentNullException.ThrowIfNull(catalog);
        return new AccuracyReport(ReplayAll(stages, catalog, null, progress));
    }

    /// <summary>Every stage replayed, in parallel; a stage that cannot be compiled (a model no preset names, a device the catalog lacks) says why, as itself.</summary>
    private static ReplayedStage[] ReplayAll(IReadOnlyList<MeasuredStage> stages, DeviceCatalog catalog, ServingOverheads? overheads, IProgress<int>? progress)
    {
        var replayed = new ReplayedStage[stages.Count];
        var done = 0;
        try
        {
            Parallel.For(0, stages.Count, i =>
            {
                replayed[i] = ReplayOne(stages[i], catalog, overheads);
                progress?.Report(Interlocked.Increment(ref done));
            });
        }
        catch (AggregateException ex) when (ex.InnerExceptions.Count > 0)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex.InnerExceptions[0]).Throw();
        }

        return replayed;
    }

    public static ReplayedStage ReplayOne(MeasuredStage stage, DeviceCatalog catalog, ServingOverheads? overheads = null)
    {
        ArgumentNullException.ThrowIfNull(stage);
        SimulationModel model;
        try
        {
            model = SimulationModel.Compile(stage.ToScenario(), catalog);
        }
        catch (ScenarioException ex)
        {
            return new ReplayedStage(stage, false, null, double.NaN, double.NaN, double.NaN, double.NaN) { NotReplayed = ex.Message };
        }

        if (overheads is not null)
        {
            model = model.WithLlmSteps(step => step is OperatorStepModel operators ? operators.WithOverheads(overheads) : step);
        }

        var result = SimulationRunner.Run(model, new SimulationOptions { MaxDegreeOfParallelism = 1 });
        var llm = result.Pools[0].Llm;
        // The load tool counts output tokens by its own tokenizer (fewer than the engine generated when it ignored
        // end-of-sequence): tokens per second are compared in its count, completions × the tokens it saw.
        var completedPerSecond = result.ThroughputPerSecond;
        return new ReplayedStage(stage, result.Stable, result.Reason,
            (result.TtftMs?.Mean ?? llm?.TtftMs.Mean ?? double.NaN) / 1000, (result.TtftMs?.P99 ?? llm?.TtftMs.P99 ?? double.NaN) / 1000,
            result.LatencyMs.Mean / 1000, completedPerSecond * stage.OutputTokensSeen)
        {
            CapacityPerSecond = result.CapacityPerSecond,
        };
    }

    /// <summary>
    /// Learns the engine's overheads from the runs, the only figures fitted to them: a cost per iteration and per
    /// sequence in it (a grid, each point a full replay of every stage) and a cost per request (a constant delay added
    /// to every request's first token and end, so exact after the replay, on a finer grid). The objective: the median
    /// absolute error of mean end-to-end latency plus that of mean TTFT over the stages the engine served, each served
    /// stage the replay calls overloaded counting as an error of 1.
    /// </summary>
    public static (ServingOverheads Overheads, AccuracyReport Report, double Objective) Fit(IReadOnlyList<MeasuredStage> stages, DeviceCatalog catalog, IProgress<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(stages);
        double[] stepMs = [0, 0.25, 0.5, 1, 1.5, 2, 3];
        double[] sequenceMs = [0, 0.005, 0.01, 0.02];
        var best = (Overheads: ServingOverheads.None, Report: new AccuracyReport([]), Objective: double.PositiveInfinity);
        var done = 0;
        foreach (var a in stepMs)
        {
            foreach (var b in sequenceMs)
            {
                var candidate = new ServingOverheads(a / 1000, b / 1000, 0, string.Empty);
                var replayed = ReplayAll(stages, catalog, candidate, null);

                for (var c = 0.0; c <= 30; c += 0.5)
                {
                    var shifted = new AccuracyReport([.. replayed.Select(r => r with { TtftMeanSeconds = r.TtftMeanSeconds + (c / 1000), TtftP99Seconds = r.TtftP99Seconds + (c / 1000), E2eMeanSeconds = r.E2eMeanSeconds + (c / 1000) })]);
                    var objective = Objective(shifted);
                    if (objective < best.Objective)
                    {
                        best = (candidate with { RequestSeconds = c / 1000 }, shifted, objective);
                    }
                }

                progress?.Report(++done);
            }
        }

        return best;
    }

    /// <summary>The fit's objective (see <see cref="Fit"/>).</summary>
    public static double Objective(AccuracyReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var compared = report.Compared == 0 ? 2.0 : report.MedianE2eError + report.MedianTtftMeanError;
        return compared + report.FalseOverloads;
    }

    /// <summary>The grid's size (progress reports count its points).</summary>
    public const int FitPoints = 7 * 4;

    /// <summary>
    /// The preset for a Hugging Face model name: the one that lists the repository (meta-llama/Llama-2-7b-hf →
    /// llama-2-7b), else the repository's name in lower case without a trailing -hf.
    /// </summary>
    public static string ModelPreset(string huggingFace)
    {
        ArgumentNullException.ThrowIfNull(huggingFace);
        if (LlmModelPresets.TryGet(huggingFace, out var preset))
        {
            return preset.Id;
        }

        var name = huggingFace[(huggingFace.LastIndexOf('/') + 1)..].ToLowerInvariant();
        return name.EndsWith("-hf", StringComparison.Ordinal) ? name[..^3] : name;
    }

    /// <summary>The catalog device of the file's GPU column ("nvidia-h100-sxm (H100 SXM 80GB)" → nvidia-h100-sxm).</summary>
    public static string DeviceId(string gpu)
    {
        ArgumentNullException.ThrowIfNull(gpu);
        var space = gpu.IndexOf(' ', StringComparison.Ordinal);
        return space < 0 ? gpu : gpu[..space];
    }
}
