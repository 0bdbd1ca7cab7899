using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using InferencePlanner.Core.Contracts;
using InferencePlanner.Planning.Accuracy;

namespace InferencePlanner.Cli.Commands;

/// <summary>
/// <c>inferenceplanner accuracy [--runs FILE] [--json]</c>: replays measured serving runs and prints, per stage, the
/// measured and simulated mean and p99 TTFT, mean end-to-end latency and output tokens per second with their errors.
/// </summary>
internal static class AccuracyCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr, CliData data)
    {
        var runs = new Option<string?>("--runs") { Description = "A CSV of measured serving stages (default: the shipped data/measured/vllm-h100-runs.csv)." };
        var json = new Option<bool>("--json") { Description = "Print the table as JSON instead of Markdown." };
        var fit = new Option<bool>("--fit") { Description = "Learn the engine's overheads (per iteration, per sequence, per request) from the runs and print them as data/calibration/serving-overheads.json holds them." };
        var command = new Command("accuracy", "Replay measured serving runs through the simulator and print the error of each figure.");
        command.Options.Add(runs);
        command.Options.Add(json);
        command.Options.Add(fit);
        command.SetAction(parse =>
        {
            var file = parse.GetValue(runs) ?? ServingReplay.DefaultFile();
            if (file is null || !File.Exists(file))
            {
                stderr.WriteLine($"error: --runs: {(file is null ? "no measured runs shipped (data/measured/vllm-h100-runs.csv)" : $"'{file}' does not exist")}");
                return CliApp.InvalidInput;
            }

            IReadOnlyList<MeasuredStage> stages;
            try
            {
                stages = ServingReplay.Load(file);
            }
            catch (FormatException ex)
            {
                stderr.WriteLine($"error: --runs: {ex.Message}");
                return CliApp.InvalidInput;
            }

            if (parse.GetValue(fit))
            {
                var points = new InlineProgress<int>(n => stderr.WriteLine(string.Create(CultureInfo.InvariantCulture, $"fitting: {n} of {ServingReplay.FitPoints} grid points")));
                var (overheads, fitted, objective) = ServingReplay.Fit(stages, data.Catalog(parse), points);
                stdout.WriteLine(JsonSerializer.Serialize(new
                {
                    description = "What a serving engine spends beside the model's kernels, learned from measured serving runs (inferenceplanner accuracy --fit): a scheduling cost per iteration (fixed, and per sequence in the batch) and a cost per request (API, tokenization, streaming the first token).",
                    stepMs = new { value = overheads.StepSeconds * 1000 },
                    sequenceMs = new { value = overheads.SequenceSeconds * 1000 },
                    requestMs = new { value = overheads.RequestSeconds * 1000 },
                    fittedOn = Invariant($"fitted on {Path.GetFileName(file)} ({stages.Count} stages; {fitted.Compared} compared): median error E2E {fitted.MedianE2eError:0.0%}, TTFT {fitted.MedianTtftMeanError:0.0%}; {fitted.FalseOverloads} served stages called overloaded"),
                    objective,
                }, ContractJson.Indented));
                return CliApp.Success;
            }

            var progress = new InlineProgress<int>(n => stderr.WriteLine(string.Create(CultureInfo.InvariantCulture, $"replaying: {n} of {stages.Count} stages")));
            var report = ServingReplay.Replay(stages, data.Catalog(parse), progress);
            stdout.Write(parse.GetValue(json) ? JsonSerializer.Serialize(Document(report), ContractJson.Indented) + Environment.NewLine : Markdown(report));
            return CliApp.Success;
        });
        return command;
    }

    private static object Document(AccuracyReport report) => new
    {
        stages = report.Stages.Select(s => new
        {
            stage = s.Measured.Name,
            model = s.Measured.Model,
            tensorParallel = s.Measured.TensorParallel,
            ratePerSecond = s.Measured.RatePerSecond,
            measuredOverloaded = s.MeasuredOverloaded,
            stable = s.Stable,
            reason = s.Reason,
            notReplayed = s.NotReplayed,
            // An unstable replay has no latencies to compare: null, with the reason beside.
            ttftMeanMs = Figure(s, s.Measured.TtftMeanSeconds * 1000, s.TtftMeanSeconds * 1000, s.TtftMeanError),
            ttftP99Ms = Figure(s, s.Measured.TtftP99Seconds * 1000, s.TtftP99Seconds * 1000, s.TtftP99Error),
            e2eMeanMs = Figure(s, s.Measured.E2eMeanSeconds * 1000, s.E2eMeanSeconds * 1000, s.E2eMeanError),
            outputTokensPerSecond = Figure(s, s.Measured.OutputTokensPerSecond, s.OutputTokensPerSecond, s.TokensPerSecondError),
            source = s.Measured.Source,
        }),
        median = new
        {
            // No stage compared (none replayed, or none both served): no median.
            e2eMean = Finite(report.MedianE2eError),
            ttftMean = Finite(report.MedianTtftMeanError),
            ttftP99 = Finite(report.MedianTtftP99Error),
            outputTokensPerSecond = Finite(report.MedianTokensPerSecondError),
        },
        overloadedStagesCalledUnstable = new { called = report.OverloadVerdicts.Called, of = report.OverloadVerdicts.Overloaded },
        servedStagesCalledOverloaded = report.FalseOverloads,
        comparedStages = report.Compared,
        notReplayedStages = report.NotReplayed,
    };

    private static double? Finite(double value) => double.IsFinite(value) ? value : null;

    private static object Figure(ReplayedStage stage, double measured, double simulated, double error) => new
    {
        measured,
        simulated = stage.Stable && double.IsFinite(simulated) ? simulated : (double?)null,
        error = stage.Stable && double.IsFinite(error) ? error : (double?)null,
    };

    /// <summary>The table as Markdown: one row per stage; overloaded stages show the verdict instead of latencies.</summary>
    public static string Markdown(AccuracyReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var text = new StringBuilder();
        text.AppendLine("| stage | model | TP | req/s | TTFT mean ms (meas / sim / err) | TTFT p99 ms | E2E mean s | output tok/s |");
        text.AppendLine("|---|---|---:|---:|---|---|---|---|");
        foreach (var s in report.Stages)
        {
            var m = s.Measured;
            var head = Invariant($"| {m.Label} #{m.Stage} | {m.Model} | {m.TensorParallel} | {m.RatePerSecond:0.#} | ");
            if (s.NotReplayed is { } why)
            {
                text.AppendLine(head + $"not replayed: {why.Replace('|', '/')} | | | |");
                continue;
            }

            if (s.MeasuredOverloaded || !s.Stable)
            {
                var measured = s.MeasuredOverloaded
                    ? Invariant($"measured: overloaded ({m.Failed:N0} of {m.Completed + m.Failed:N0} requests failed, TTFT mean {m.TtftMeanSeconds:0.#} s)")
                    : Invariant($"measured: served (TTFT mean {m.TtftMeanSeconds * 1000:0.0} ms, E2E mean {m.E2eMeanSeconds:0.000} s)");
                var simulated = s.Stable ? "stable (the overload is missed)"
                    : s.CapacityPerSecond is { } capacity ? Invariant($"unstable: serves at most {capacity:0.0} req/s")
                    : "unstable: its waiting line grows";
                text.AppendLine(head + $"{measured} | simulated: {simulated} | | |");
                continue;
            }

            text.AppendLine(head + Invariant(
                $"{m.TtftMeanSeconds * 1000:0.0} / {s.TtftMeanSeconds * 1000:0.0} / {s.TtftMeanError:+0.0%;-0.0%} | {m.TtftP99Seconds * 1000:0.0} / {s.TtftP99Seconds * 1000:0.0} / {s.TtftP99Error:+0.0%;-0.0%} | {m.E2eMeanSeconds:0.000} / {s.E2eMeanSeconds:0.000} / {s.E2eMeanError:+0.0%;-0.0%} | {m.OutputTokensPerSecond:0} / {s.OutputTokensPerSecond:0} / {s.TokensPerSecondError:+0.0%;-0.0%} |"));
        }

        var (called, overloaded) = report.OverloadVerdicts;
        text.AppendLine();
        text.AppendLine(Invariant($"Median absolute error over the {report.Compared} stages both the engine and the replay served: E2E mean {report.MedianE2eError:0.0%}, TTFT mean {report.MedianTtftMeanError:0.0%}, TTFT p99 {report.MedianTtftP99Error:0.0%}, output tokens/s {report.MedianTokensPerSecondError:0.0%}. Overloaded stages called unstable: {called} of {overloaded}; served stages the replay calls overloaded: {report.FalseOverloads}.{(report.NotReplayed > 0 ? $" Stages not replayed: {report.NotReplayed}." : string.Empty)}"));
        return text.ToString();
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
