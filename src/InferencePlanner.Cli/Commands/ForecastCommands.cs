using InferencePlanner.Core.Contracts;
using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using InferencePlanner.Core.Catalog;
using InferencePlanner.Core.Profiles;
using InferencePlanner.Core.Scenarios;
using InferencePlanner.Planning.Export;
using InferencePlanner.Planning.Forecasting;
using InferencePlanner.Planning.Sizing;

namespace InferencePlanner.Cli.Commands;

/// <summary><c>forecast</c> (every month of the scenario's growth) and <c>size</c> (one month).</summary>
internal static class ForecastCommands
{
    public static Command Forecast(TextWriter stdout, TextWriter stderr, CliData data)
    {
        var file = new Argument<string>("scenario") { Description = "The scenario document (JSON), with growth and an SLO." };
        var format = new Option<string>("--format", "-f") { Description = "json, csv, table or xlsx.", DefaultValueFactory = _ => "json" };
        format.AcceptOnlyFromAmong("json", "csv", "table", "xlsx");
        var output = new Option<string?>("--out", "-o") { Description = "Write to this file (required for xlsx)." };
        var command = new Command("forecast", "Size the fleet month by month and print cost, energy and carbon.") { file, format, output };
        command.SetAction((parse, cancellation) =>
        {
            var path = parse.GetValue(file)!;
            var (scenario, forecaster) = Load(path, parse, data);
            var months = new GrowthMonths(scenario).Count;
            var result = Run(() => forecaster.Forecast(scenario, new ForecastOptions
            {
                Progress = TenthsProgress.To(stderr, percent => string.Create(CultureInfo.InvariantCulture, $"forecasting: {percent} % of {months} months")),
            }, Path.GetDirectoryName(Path.GetFullPath(path)), cancellation));

            foreach (var warning in result.Warnings)
            {
                stderr.WriteLine($"warning: {warning}");
            }

            foreach (var whatIf in result.WhatIfs)
            {
                stderr.WriteLine(whatIf);
            }

            var kind = parse.GetValue(format)!;
            var target = parse.GetValue(output);
            if (kind == "xlsx")
            {
                if (target is null)
                {
                    throw new ScenarioException("--out", "xlsx needs a file to write (--out FILE.xlsx)");
                }

                using var stream = File.Create(target);
                ForecastExport.ToXlsx(result, stream);
                stderr.WriteLine($"wrote {target}");
                return Task.FromResult(CliApp.Success);
            }

            var text = kind switch
            {
                "csv" => ForecastExport.ToCsv(result),
                "table" => ForecastExport.ToTable(result),
                _ => JsonSerializer.Serialize(result, ContractJson.Indented) + Environment.NewLine,
            };
            if (target is not null)
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

    public static Command Size(TextWriter stdout, TextWriter stderr, CliData data)
    {
        var file = new Argument<string>("scenario") { Description = "The scenario document (JSON), with an SLO." };
        var month = new Option<int>("--month") { Description = "Which month of the growth to size (default 0).", DefaultValueFactory = _ => 0 };
        var command = new Command("size", "Size each pool for one month's peak and print the fleet with its cost, energy and carbon.") { file, month };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(file)!;
            var (scenario, forecaster) = Load(path, parse, data);
            var m = parse.GetValue(month);
            if (m < 0 || m >= new GrowthMonths(scenario).Count)
            {
                throw new ScenarioException("--month", $"must be from 0 to {new GrowthMonths(scenario).Count - 1}");
            }

            var result = Run(() => forecaster.Size(scenario, m, baseDirectory: Path.GetDirectoryName(Path.GetFullPath(path))));
            foreach (var warning in result.Warnings)
            {
                stderr.WriteLine($"warning: {warning}");
            }

            foreach (var whatIf in result.WhatIfs)
            {
                stderr.WriteLine(whatIf);
            }

            stdout.WriteLine(JsonSerializer.Serialize(result.Month, ContractJson.Indented));
            return CliApp.Success;
        });
        return command;
    }

    private static (Scenario Scenario, Forecaster Forecaster) Load(string path, ParseResult parse, CliData data) =>
        (ScenarioJson.Load(path), new Forecaster(data.Catalog(parse), data.Profiles(parse)));

    private static T Run<T>(Func<T> work)
    {
        try
        {
            return work();
        }
        catch (UnreachableSloException ex)
        {
            throw new ScenarioException("$.slo", ex.Message);
        }
        catch (AggregateException ex) when (ex.InnerException is UnreachableSloException inner)
        {
            throw new ScenarioException("$.slo", inner.Message);
        }
        catch (AggregateException ex) when (ex.InnerException is ScenarioException inner)
        {
            throw inner;
        }
    }

    private readonly record struct GrowthMonths(Scenario Scenario)
    {
        public int Count => Scenario.Growth?.Months ?? 1;
    }
}
