using System.CommandLine;
using System.Text.RegularExpressions;
using InferencePlanner.Cli.Commands;
using InferencePlanner.Core.Catalog;
using InferencePlanner.Core.Scenarios;

namespace InferencePlanner.Cli;

/// <summary>
/// The <c>inferenceplanner</c> command line. JSON goes to <paramref name="stdout"/>, messages to
/// <paramref name="stderr"/>; exit codes: 0 success, 2 invalid input, 1 anything else.
/// </summary>
public static partial class CliApp
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int InvalidInput = 2;

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);

        var data = new CliData(stderr);
        var root = new RootCommand("InferencePlanner: capacity, cost, energy and carbon planning for AI inference fleets.") { data.Option };
        root.Subcommands.Add(ScenarioCommands.Simulate(stdout, stderr, data));
        root.Subcommands.Add(ScenarioCommands.Validate(stdout, stderr, data));
        root.Subcommands.Add(CalibrateCommand.Create(stdout, stderr));
        root.Subcommands.Add(CalibrateCommand.Worker(stdout, stderr));
        root.Subcommands.Add(ProjectCommand.Create(stdout, stderr, data));
        root.Subcommands.Add(ForecastCommands.Forecast(stdout, stderr, data));
        root.Subcommands.Add(ForecastCommands.Size(stdout, stderr, data));
        root.Subcommands.Add(CatalogCommand.Create(stdout, stderr, data));
        root.Subcommands.Add(AccuracyCommand.Create(stdout, stderr, data));
        root.Subcommands.Add(SweepCommand.Create(stdout, stderr, data));

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors)
            {
                stderr.WriteLine($"error: {Plain(error.Message)}");
            }

            stderr.WriteLine("Run 'inferenceplanner --help' for usage.");
            return InvalidInput;
        }

        try
        {
            return parsed.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
        }
        catch (ScenarioException ex)
        {
            foreach (var error in ex.Errors)
            {
                stderr.WriteLine($"error: {error.Path}: {error.Reason}");
            }

            return InvalidInput;
        }
        catch (OperationCanceledException)
        {
            stderr.WriteLine("cancelled");
            return Failure;
        }
        catch (CatalogException ex)
        {
            stderr.WriteLine($"error: catalog: {ex.Message}");
            return InvalidInput;
        }
        catch (IOException ex)
        {
            stderr.WriteLine($"error: {ex.Message}");
            return Failure;
        }
        catch (UnauthorizedAccessException ex)
        {
            stderr.WriteLine($"error: {ex.Message}");
            return Failure;
        }
    }

    /// <summary>A parse error in words: "--seed: 'abc' is not a whole number" rather than a .NET type name.</summary>
    internal static string Plain(string message)
    {
        var match = WrongType().Match(message);
        if (!match.Success)
        {
            return message;
        }

        var type = match.Groups["type"].Value;
        var expected = type.Contains("Int", StringComparison.Ordinal) ? "a whole number"
            : type.Contains("Double", StringComparison.Ordinal) || type.Contains("Single", StringComparison.Ordinal) || type.Contains("Decimal", StringComparison.Ordinal) ? "a number"
            : type.Contains("Boolean", StringComparison.Ordinal) ? "true or false"
            : "a valid value";
        return $"{match.Groups["option"].Value}: '{match.Groups["value"].Value}' is not {expected}";
    }

    [GeneratedRegex("^Cannot parse argument '(?<value>.*)' for (?:option|argument) '(?<option>[^']*)' as expected type '(?<type>[^']*)'", RegexOptions.CultureInvariant)]
    private static partial Regex WrongType();
}
