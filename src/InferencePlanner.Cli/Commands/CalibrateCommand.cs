using System.CommandLine;
using System.Globalization;
using InferencePlanner.Calibration.Models;
using InferencePlanner.Calibration.Profiling;
using InferencePlanner.Core.Profiles;
using InferencePlanner.Core.Scenarios;

namespace InferencePlanner.Cli.Commands;

/// <summary>
/// <c>calibrate --model NAME|PATH.onnx</c>: a measured throughput profile. Zoo models run in this process;
/// a user's file runs in a supervised child process (time and memory limits), so that a broken or hostile
/// file ends that child, not this command.
/// </summary>
internal static class CalibrateCommand
{
    public const string WorkerName = "calibrate-worker";

    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var (model, batches, threads, dims, cuda, seconds) = Options();
        var output = new Option<string?>("--out", "-o") { Description = "Write the profile JSON to this file (and print nothing)." };
        var timeout = new Option<double>("--timeout-seconds") { Description = "Limit for profiling a .onnx file (child process).", DefaultValueFactory = _ => 900 };
        var memory = new Option<int>("--memory-limit-mb") { Description = "Resident memory limit for profiling a .onnx file.", DefaultValueFactory = _ => 8192 };
        var maxBytes = new Option<long>("--max-file-mb") { Description = "Largest .onnx file accepted.", DefaultValueFactory = _ => OnnxFileModel.DefaultMaxBytes / (1024 * 1024) };

        var command = new Command("calibrate", "Measure a model's latency by batch size with ONNX Runtime here and print the profile JSON.")
        {
            model, batches, threads, dims, cuda, seconds, output, timeout, memory, maxBytes,
        };
        command.SetAction(async (parse, cancellation) =>
        {
            var name = parse.GetValue(model)!;
            var options = ProfilerOptionsFrom(parse, batches, threads, cuda, seconds);
            string json;
            if (name.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase) || File.Exists(name))
            {
                var fileBytes = parse.GetValue(maxBytes) * 1024 * 1024;
                if (File.Exists(name) && new FileInfo(name).Length > fileBytes)
                {
                    throw new ScenarioException("--model", $"{name} is {new FileInfo(name).Length:N0} bytes; the limit is {fileBytes:N0} (--max-file-mb)");
                }

                json = await RunIsolatedAsync(name, parse, batches, threads, dims, cuda, seconds, parse.GetValue(timeout), parse.GetValue(memory), stderr, cancellation).ConfigureAwait(false);
            }
            else
            {
                if (!ModelZoo.Names.Contains(name, StringComparer.Ordinal))
                {
                    throw new ScenarioException("--model", $"'{name}' is neither a zoo model ({string.Join(", ", ModelZoo.Names)}) nor a .onnx file");
                }

                stderr.WriteLine($"building {name}…");
                var profile = Profiler.Run(ModelUnderTest.From(ModelZoo.Create(name)), options, Progress(stderr), cancellation);
                if (name == "llm-block")
                {
                    stderr.WriteLine("measuring prefill and decode steps of the decoder block…");
                    profile = profile with { LlmSteps = LlmStepCalibration.Measure(new LlmBlockConfig(), options.Threads, cancellation: cancellation) };
                }

                json = ProfileStore.Write(profile);
                foreach (var warning in profile.Warnings ?? [])
                {
                    stderr.WriteLine($"warning: {warning}");
                }
            }

            if (parse.GetValue(output) is { } file)
            {
                await File.WriteAllTextAsync(file, json + Environment.NewLine, cancellation).ConfigureAwait(false);
                stderr.WriteLine($"wrote {file}");
            }
            else
            {
                stdout.WriteLine(json);
            }

            return CliApp.Success;
        });
        return command;
    }

    /// <summary>The child side: profiles one .onnx file and prints its profile JSON; exit 2 when the file is unusable.</summary>
    public static Command Worker(TextWriter stdout, TextWriter stderr)
    {
        var (model, batches, threads, dims, cuda, seconds) = Options();
        var command = new Command(WorkerName, "(internal) profile a .onnx file; run by calibrate in a child process.") { model, batches, threads, dims, cuda, seconds };
        command.Hidden = true;
        command.SetAction((parse, cancellation) => Task.FromResult(IsolatedProfiling.ProfileAndPrint(
            () => OnnxFileModel.Open(parse.GetValue(model)!, ParseDims(parse.GetValue(dims))),
            ProfilerOptionsFrom(parse, batches, threads, cuda, seconds), stdout, stderr, Progress(stderr), cancellation)));
        return command;
    }

    private static async Task<string> RunIsolatedAsync(string path, ParseResult parse, Option<string> batches, Option<int> threads, Option<string[]> dims,
        Option<bool> cuda, Option<double> seconds, double timeoutSeconds, int memoryMb, TextWriter stderr, CancellationToken cancellation)
    {
        List<string> args = [WorkerName, "--model", Path.GetFullPath(path), "--batches", parse.GetValue(batches)!,
            "--threads", parse.GetValue(threads).ToString(CultureInfo.InvariantCulture),
            "--seconds-per-batch", parse.GetValue(seconds).ToString(CultureInfo.InvariantCulture)];
        foreach (var d in parse.GetValue(dims) ?? [])
        {
            args.AddRange(["--dim", d]);
        }

        if (parse.GetValue(cuda))
        {
            args.Add("--cuda");
        }

        stderr.WriteLine($"profiling {path} in a child process (limits: {timeoutSeconds:0} s, {memoryMb:N0} MB)…");
        try
        {
            return await IsolatedProfiling.RunAsync(typeof(CalibrateCommand).Assembly, args, TimeSpan.FromSeconds(timeoutSeconds), memoryMb * 1024L * 1024, cancellation).ConfigureAwait(false);
        }
        catch (IsolatedProfilingException ex)
        {
            throw new ScenarioException("--model", ex.Message.StartsWith("profiling was stopped", StringComparison.Ordinal) ? $"{path}: {ex.Message}" : ex.Message);
        }
    }

    private static (Option<string> Model, Option<string> Batches, Option<int> Threads, Option<string[]> Dims, Option<bool> Cuda, Option<double> Seconds) Options()
    {
        var model = new Option<string>("--model", "-m") { Description = $"A zoo model ({string.Join(", ", ModelZoo.Names)}) or a .onnx file.", Required = true };
        var batches = new Option<string>("--batches", "-b") { Description = "Batch sizes to measure, comma-separated.", DefaultValueFactory = _ => "1,2,4,8" };
        var threads = new Option<int>("--threads", "-t") { Description = "Intra-op threads (pinned).", DefaultValueFactory = _ => Environment.ProcessorCount };
        var dims = new Option<string[]>("--dim") { Description = "Size of a symbolic input dimension other than the batch, as NAME=VALUE (repeatable).", AllowMultipleArgumentsPerToken = false };
        var cuda = new Option<bool>("--cuda") { Description = "Try the CUDA execution provider first (falls back to the CPU, and says so)." };
        var seconds = new Option<double>("--seconds-per-batch") { Description = "Minimum measuring time per batch size.", DefaultValueFactory = _ => 1.0 };
        return (model, batches, threads, dims, cuda, seconds);
    }

    private static ProfilerOptions ProfilerOptionsFrom(ParseResult parse, Option<string> batches, Option<int> threads, Option<bool> cuda, Option<double> seconds)
    {
        var list = new List<int>();
        foreach (var part in (parse.GetValue(batches) ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out var b) || b < 1 || b > 4096)
            {
                throw new ScenarioException("--batches", $"'{part}' is not a batch size from 1 to 4096");
            }

            list.Add(b);
        }

        if (list.Count == 0)
        {
            throw new ScenarioException("--batches", "give at least one batch size");
        }

        var t = parse.GetValue(threads);
        if (t < 1 || t > 1024)
        {
            throw new ScenarioException("--threads", "must be from 1 to 1024");
        }

        var s = parse.GetValue(seconds);
        if (!(s >= 0 && s <= 600))
        {
            throw new ScenarioException("--seconds-per-batch", "must be from 0 to 600");
        }

        return new ProfilerOptions { Batches = list.Distinct().Order().ToList(), Threads = t, PreferCuda = parse.GetValue(cuda), MinSecondsPerBatch = s };
    }

    private static Dictionary<string, long> ParseDims(string[]? dims)
    {
        var result = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var d in dims ?? [])
        {
            var parts = d.Split('=', 2);
            if (parts.Length != 2 || !long.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < 1)
            {
                throw new InvalidModelException($"--dim '{d}' must be NAME=VALUE with VALUE ≥ 1");
            }

            result[parts[0]] = value;
        }

        return result;
    }

    private static InlineProgress<ProfilerProgress> Progress(TextWriter stderr) =>
        new(p => stderr.WriteLine(string.Create(CultureInfo.InvariantCulture, $"calibrating: {p.Fraction * 100:0} % ({p.Stage})")));
}
