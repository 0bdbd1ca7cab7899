using System.Text.Json;
using System.Text.Json.Serialization;

namespace InferencePlanner.Core.Scenarios;

/// <summary>A profile is either a stored profile's id (a string) or an inline object.</summary>
internal sealed class ProfileSpecConverter : JsonConverter<ProfileSpec>
{
    public override ProfileSpec? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return new ProfileSpec { Id = reader.GetString() };
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("must be a profile id (string) or an object with points or alphaMs/betaMs");
        }

        var inline = JsonSerializer.Deserialize<InlineProfile>(ref reader, options)!;
        return new ProfileSpec { Id = inline.Id, Points = inline.Points, AlphaMs = inline.AlphaMs, BetaMs = inline.BetaMs, JitterScv = inline.JitterScv };
    }

    public override void Write(Utf8JsonWriter writer, ProfileSpec value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        if (value.Id is not null && value.Points is null && value.AlphaMs is null)
        {
            writer.WriteStringValue(value.Id);
            return;
        }

        JsonSerializer.Serialize(writer, new InlineProfile(value.Id, value.Points, value.AlphaMs, value.BetaMs, value.JitterScv), options);
    }

    private sealed record InlineProfile(string? Id, IReadOnlyList<ProfilePoint>? Points, double? AlphaMs, double? BetaMs, double? JitterScv);
}
