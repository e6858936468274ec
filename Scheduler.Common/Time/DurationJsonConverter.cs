using System.Text.Json;
using System.Text.Json.Serialization;

namespace Scheduler.Common.Time;

/// <summary>Reads durations in ISO 8601 or short form, writes ISO 8601.</summary>
public sealed class DurationJsonConverter : JsonConverter<TimeSpan>
{
    public override TimeSpan Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw new JsonException("expected a duration string such as 'PT3S' or '3s'");
        }
        return Durations.TryParse(reader.GetString(), out var duration, out var error)
            ? duration
            : throw new JsonException($"duration {error}");
    }

    public override void Write(Utf8JsonWriter writer, TimeSpan value, JsonSerializerOptions options) =>
        writer.WriteStringValue(Durations.Format(value));
}
