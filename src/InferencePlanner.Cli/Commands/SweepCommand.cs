using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using InferencePlanner.Core.Contracts;
using InferencePlanner.Core.Scenarios;
using InferencePlanner.Planning.Sweeps;

namespace InferencePlanner.Cli.Commands;

/// <summary>
/// <c>inferenceplanner sweep SWEEP.json [--format json|csv] [--output FILE] [--max-variants N]</c>: every variant of a
/// base scenario along the sweep's axes, run on this machine, as one table with the Pareto front of cost against p99.
/// </summary>
internal static class SweepCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr, CliData data)
    {
        var file = new Argument<string>("sweep") { Description = "The sweep document (JSON): a base scenario, its axes, the mode (simulate, size or forecast) and replications." };
        var format = new Option<string>("--format") { Description = "json (default) or csv.", DefaultValueFactory = _ => "json" };
        format.AcceptOnlyFromAmong("json", "csv");
        var output = new Option<string?>("--output", "-o") { Description = "Write the table to this file instead of stdout." };
        var max = new Option<int>("--max-variants") { Description = "Refuse a sweep of more variants than this.", DefaultValueFactory = _ => SweepDocument.DefaultMaxVariants };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "No progress on stderr." };
        var command = new Command("sweep", "Run every variant of a scenario along the sweep's axes and print one table, the Pareto front of cost against p99 marked.") { file, format, output, max, quiet };
        command.SetAction((parse, cancellation) =>
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

            var sweep = SweepDocument.Parse(File.ReadAllText(path));
            var progress = parse.GetValue(quiet) ? null : TenthsProgress.To(stderr, percent => string.Create(CultureInfo.InvariantCulture, $"sweeping: {percent} %"));
            var result = new SweepRunner(data.Catalog(parse), data.Profiles(parse)).Run(sweep, progress, Path.GetDirectoryName(Path.GetFullPath(path)), parse.GetValue(max), cancellation);
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

            return Task.FromResult(CliApp.Success);
        });
        return command;
    }
}
