using InferencePlanner.Core.Contracts;
using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using InferencePlanner.Core.Catalog;
using InferencePlanner.Core.Profiles;
using InferencePlanner.Core.Scenarios;
using InferencePlanner.Simulation.Engine;

namespace InferencePlanner.Cli.Commands;

/// <summary><c>simulate</c> and <c>validate</c>: the scenario document in, the result JSON (or the problems) out.</summary>
internal static class ScenarioCommands
{
    public static Command Simulate(TextWriter stdout, TextWriter stderr, CliData data)
    {
        var file = ScenarioArgument();
        var seed = new Option<long?>("--seed") { Description = "Seed of the random streams (overrides the scenario's)." };
        var replications = new Option<int>("--replications", "-r")
        {
            Description = $"Independent replications, run in parallel (1 to {SimulationRunner.MaxReplications}); figures are their means, with 95 % half-widths in ci95.",
            DefaultValueFactory = _ => 1,
        };
        var queries = new Option<long?>("--queries") { Description = "Measured queries per replication (overrides the scenario's horizon)." };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "No progress on stderr." };
        var noLimit = new Option<bool>("--no-limit")
        {
            Description = $"Run beyond {RunLimits.DefaultMaxQueriesPerRun:N0} queries (× replications) or {RunLimits.DefaultMaxHorizonSeconds / 86_400:N0} days of simulated time, the limits the dashboard and the API keep.",
        };

        var command = new Command("simulate", "Run a scenario and print the result JSON.") { file, seed, replications, queries, quiet, noLimit };
        command.SetAction((parse, cancellation) =>
        {
            var path = parse.GetValue(file)!;
            var count = parse.GetValue(replications);
            if (count < 1 || count > SimulationRunner.MaxReplications)
            {
                throw new ScenarioException("--replications", $"must be from 1 to {SimulationRunner.MaxReplications}");
            }

            if (parse.GetValue(queries) is { } q && (q < 1 || q > ScenarioLimits.MaxQueries))
            {
                throw new ScenarioException("--queries", $"must be from 1 to {ScenarioLimits.MaxQueries:E0}");
            }

            if (parse.GetValue(seed) is < 0)
            {
                throw new ScenarioException("--seed", "must be zero or positive");
            }

            var model = Compile(path, parse, data).With(parse.GetValue(seed), parse.GetValue(queries));
            if (!parse.GetValue(noLimit))
            {
                var lift = "give --no-limit to run it anyway: it shows its progress and stops at Ctrl+C";
                RunLimits.Check(model, count, RunLimits.DefaultMaxQueriesPerRun, RunLimits.DefaultMaxHorizonSeconds,
                    parse.GetValue(queries) is null ? "$.horizon.queries" : "--queries", lift, lift);
            }

            var lastPercent = -1;
            var progress = parse.GetValue(quiet) ? null : new InlineProgress<SimulationProgress>(p =>
            {
                var percent = (int)(p.Fraction * 100);
                if (percent / 10 != lastPercent / 10)
                {
                    lastPercent = percent;
                    stderr.WriteLine(string.Create(CultureInfo.InvariantCulture, $"simulating: {percent} % ({p.ReplicationsDone}/{p.Replications} replications done)"));
                }
            });

            var result = SimulationRunner.Run(model, new SimulationOptions { Replications = count, Progress = progress }, cancellation);
            stdout.WriteLine(JsonSerializer.Serialize(result, ContractJson.Indented));
            if (!result.Stable)
            {
                stderr.WriteLine($"not stable: {result.Reason}");
            }

            return Task.FromResult(CliApp.Success);
        });
        return command;
    }

    public static Command Validate(TextWriter stdout, TextWriter stderr, CliData data)
    {
        var file = ScenarioArgument();
        var command = new Command("validate", "Check a scenario: nothing is printed when it is valid; otherwise each problem, by JSON path.") { file };
        command.SetAction(parse =>
        {
            Compile(parse.GetValue(file)!, parse, data);
            return CliApp.Success;
        });
        return command;
    }

    /// <summary>
    /// Reads, validates (devices and regions against the catalog) and compiles; relative trace paths resolve beside the
    /// file. The catalog and the stored profiles are read only when the scenario names something in them.
    /// </summary>
    private static SimulationModel Compile(string path, ParseResult parse, CliData data)
    {
        var scenario = ScenarioJson.Load(path);
        var needsCatalog = ScenarioValidator.NeedsCatalog(scenario);
        return SimulationModel.Compile(scenario, needsCatalog ? data.Catalog(parse) : null, Path.GetDirectoryName(Path.GetFullPath(path)),
            needsCatalog ? data.Profiles(parse) : null);
    }

    private static Argument<string> ScenarioArgument() => new("scenario") { Description = "The scenario document (JSON)." };
}
