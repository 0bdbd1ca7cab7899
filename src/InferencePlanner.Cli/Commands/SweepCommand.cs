using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using InferencePlanner.Core.Contracts;
using InferencePlanner.Core.Scenarios;
using InferencePlanner.Planning.Sweeps;

namespace InferencePlanner.Cli.Commands;

/// <summary>
/// <c>inferenceplanner sweep SWEEP.json [--format json|csv|xlsx] [--output FILE] [--max-variants N] [--server URL]</c>:
/// every variant of a base scenario along the sweep's axes, run on this machine (or on a server's cluster), as one
/// table with the Pareto front of cost against p99.
/// </summary>
internal static class SweepCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr, CliData data)
    {
        var file = new Argument<string>("sweep") { Description = "The sweep document (JSON): a base scenario, its axes, the mode (simulate, size or forecast) and replications." };
        var format = new Option<string>("--format") { Description = "json (default), csv, or xlsx (a workbook: needs --output).", DefaultValueFactory = _ => "json" };
        format.AcceptOnlyFromAmong("json", "csv", "xlsx");
        var output = new Option<string?>("--output", "-o") { Description = "Write the table to this file instead of stdout." };
        var max = new Option<int>("--max-variants") { Description = "Refuse a sweep of more variants than this.", DefaultValueFactory = _ => SweepDocument.DefaultMaxVariants };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "No progress on stderr." };
        var server = new Option<string?>("--server") { Description = "Run the sweep on this InferencePlanner server's cluster (e.g. http://localhost:5000) instead of this machine." };
        var pollTimeout = new Option<double>("--poll-timeout") { Description = "With --server: seconds a progress poll may take before it is tried again.", DefaultValueFactory = _ => 10 };
        var command = new Command("sweep", "Run every variant of a scenario along the sweep's axes and print one table, the Pareto front of cost against p99 marked.") { file, format, output, max, quiet, server, pollTimeout };
        command.SetAction(async (parse, cancellation) =>
        {
            var path = parse.GetValue(file)!;
            if (!File.Exists(path))
            {
                throw new ScenarioException("sweep", $"'{path}' does not exist");
            }

            if (parse.GetValue(max) is < 1 or > 1_000_000)
            {
                throw new ScenarioException("--max-variants", "must be from 1 to 1,000,000");
            }

            if (parse.GetValue(format) == "xlsx" && parse.GetValue(output) is null)
            {
                throw new ScenarioException("--format", "xlsx writes a workbook: give --output FILE.xlsx");
            }

            Uri? url = null;
            if (parse.GetValue(server) is { } address && (!Uri.TryCreate(address.EndsWith('/') ? address : address + "/", UriKind.Absolute, out url) || url.Scheme is not ("http" or "https")))
            {
                throw new ScenarioException("--server", $"'{address}' is not an http:// or https:// address");
            }

            if (parse.GetValue(pollTimeout) is var seconds && (!double.IsFinite(seconds) || seconds <= 0 || seconds > 600))
            {
                throw new ScenarioException("--poll-timeout", "must be a number of seconds from above 0 to 600");
            }

            var json = File.ReadAllText(path);
            var sweep = SweepDocument.Parse(json);
            var progress = parse.GetValue(quiet) ? null : TenthsProgress.To(stderr, percent => string.Create(CultureInfo.InvariantCulture, $"sweeping: {percent} %"));
            var result = url is null
                ? new SweepRunner(data.Catalog(parse), data.Profiles(parse)).Run(sweep, progress, Path.GetDirectoryName(Path.GetFullPath(path)), parse.GetValue(max), cancellation)
                : await new SweepClient(url, TimeSpan.FromSeconds(seconds), stderr).RunAsync(json, progress, cancellation).ConfigureAwait(false);
            if (parse.GetValue(format) == "xlsx")
            {
                var workbook = parse.GetValue(output)!;
                using (var stream = File.Create(workbook))
                {
                    SweepRunner.Xlsx(result, stream);
                }

                stderr.WriteLine($"wrote {workbook}");
                return CliApp.Success;
            }

            var text = parse.GetValue(format) == "csv" ? SweepRunner.Csv(result) : JsonSerializer.Serialize(result, ContractJson.Indented) + Environment.NewLine;
            if (parse.GetValue(output) is { } target)
            {
                File.WriteAllText(target, text);
                stderr.WriteLine($"wrote {target}");
            }
            else
            {
                stdout.Write(text);
            }

            return CliApp.Success;
        });
        return command;
    }
}
