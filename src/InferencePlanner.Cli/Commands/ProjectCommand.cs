using InferencePlanner.Core.Contracts;
using System.CommandLine;
using System.Text.Json;
using InferencePlanner.Calibration.Models;
using InferencePlanner.Calibration.Projection;
using InferencePlanner.Core.Catalog;
using InferencePlanner.Core.Profiles;
using InferencePlanner.Core.Scenarios;

namespace InferencePlanner.Cli.Commands;

/// <summary><c>project --model NAME --device ID [--precision P] [--batch B]</c>: the roofline projection JSON.</summary>
internal static class ProjectCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr, CliData data)
    {
        var model = new Option<string>("--model", "-m") { Description = $"A zoo model ({string.Join(", ", ModelZoo.Names)}).", Required = true };
        var device = new Option<string>("--device", "-d") { Description = "A catalog device id.", Required = true };
        var precision = new Option<string>("--precision", "-p") { Description = $"One of {string.Join(", ", Precisions.All)}.", DefaultValueFactory = _ => Precisions.Fp16 };
        var kvPrecision = new Option<string?>("--kv-precision") { Description = $"LLM presets: the KV cache's precision (default: --precision), one of {string.Join(", ", Precisions.All)}." };
        var batch = new Option<int>("--batch", "-b") { Description = "Batch size.", DefaultValueFactory = _ => 1 };
        var profileOut = new Option<string?>("--profile-out") { Description = "Also write a projected profile over batches 1, 2, 4, … up to --batch, for scenarios." };
        var context = new Option<int>("--context") { Description = "LLM presets: tokens cached per sequence during decoding.", DefaultValueFactory = _ => 1024 };
        var tensorParallel = new Option<int>("--tensor-parallel") { Description = "LLM presets: devices per replica.", DefaultValueFactory = _ => 1 };
        var dim = new Option<string[]>("--dim") { Description = "A model dimension NAME=VALUE (repeatable): an encoder's sequence=N, to project it at its effective length.", AllowMultipleArgumentsPerToken = false };

        var command = new Command("project", "Project a model onto a catalog device with a roofline and print the projection JSON (an LLM preset: steady decode throughput in generated tokens per second).")
        {
            model, device, precision, kvPrecision, batch, profileOut, context, tensorParallel, dim,
        };
        command.SetAction(parse =>
        {
            var name = parse.GetValue(model)!;
            if (Core.Llm.LlmModelPresets.TryGet(name, out var preset))
            {
                stdout.WriteLine(JsonSerializer.Serialize(
                    LlmProjection.Decode(data.Catalog(parse), preset,
                        new Core.Llm.LlmDeployment(parse.GetValue(device)!, parse.GetValue(precision)!, KvPrecision(parse.GetValue(kvPrecision)), parse.GetValue(tensorParallel)),
                        parse.GetValue(batch), parse.GetValue(context)),
                    ContractJson.Indented));
                return CliApp.Success;
            }

            if (!ModelZoo.Names.Contains(name, StringComparer.Ordinal))
            {
                throw new ScenarioException("--model", $"'{name}' is neither a zoo model ({string.Join(", ", ModelZoo.Names)}) nor an LLM preset ({string.Join(", ", Core.Llm.LlmModelPresets.All.Select(p => p.Id))})");
            }

            var b = parse.GetValue(batch);
            if (b < 1 || b > 65_536)
            {
                throw new ScenarioException("--batch", "must be from 1 to 65,536");
            }

            var dimensions = Dimensions(parse.GetValue(dim) ?? [], name);
            var projector = new RooflineProjector(data.Catalog(parse), data.Profiles(parse));
            try
            {
                var result = projector.Project(name, parse.GetValue(device)!, parse.GetValue(precision)!, b, dimensions);
                stdout.WriteLine(JsonSerializer.Serialize(result, ContractJson.Indented));
                if (parse.GetValue(profileOut) is { } file)
                {
                    var batches = Enumerable.Range(0, 17).Select(i => 1 << i).TakeWhile(x => x < b).Append(b).ToList();
                    File.WriteAllText(file, ProfileStore.Write(projector.ProjectProfile(name, parse.GetValue(device)!, parse.GetValue(precision)!, batches, dimensions)) + Environment.NewLine);
                    stderr.WriteLine($"wrote {file}");
                }
            }
            catch (ProjectionException ex)
            {
                throw new ScenarioException("--device", ex.Message);
            }

            return CliApp.Success;
        });
        return command;
    }

    /// <summary>--dim NAME=VALUE pairs, each checked against the model's dimensions.</summary>
    private static Dictionary<string, int> Dimensions(IEnumerable<string> pairs, string model)
    {
        var dimensions = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var pair in pairs)
        {
            var parts = pair.Split('=', 2);
            if (parts.Length != 2 || !int.TryParse(parts[1], System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var value))
            {
                throw new ScenarioException("--dim", $"'{pair}' is not NAME=VALUE with a whole number (e.g. sequence=170)");
            }

            var known = ModelZoo.Dimensions(model);
            if (!known.ContainsKey(parts[0]))
            {
                throw new ScenarioException("--dim", known.Count == 0 ? $"'{parts[0]}' is not a dimension of {model} (it has none to set)" : $"'{parts[0]}' is not a dimension of {model} (it has: {string.Join(", ", known.Keys)})");
            }

            if (value is < 1 or > 65_536)
            {
                throw new ScenarioException("--dim", $"{parts[0]} must be from 1 to 65,536");
            }

            dimensions[parts[0]] = value;
        }

        return dimensions;
    }

    private static string? KvPrecision(string? value) => value is null || Precisions.IsKnown(value) ? value
        : throw new ScenarioException("--kv-precision", $"'{value}' is not one of {string.Join(", ", Precisions.All)}");
}
