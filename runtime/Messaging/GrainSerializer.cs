using System.Text.Json;
using System.Text.Json.Serialization;

namespace CommandGrid.Runtime.Messaging;

/// <summary>
/// Serialises call arguments and results. Grain and observer references travel as their
/// ids and come back as references bound to the receiving runtime.
/// </summary>
internal sealed class GrainSerializer
{
    private readonly JsonSerializerOptions _options;

    public GrainSerializer(GrainRuntime runtime)
    {
        _options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        _options.Converters.Add(new ReferenceConverterFactory(runtime));
    }

    public byte[] Serialize(object? value, Type type) => JsonSerializer.SerializeToUtf8Bytes(value, type, _options);

    public object? Deserialize(byte[] data, Type type) => JsonSerializer.Deserialize(data, type, _options);

    private sealed class ReferenceConverterFactory(GrainRuntime runtime) : JsonConverterFactory
    {
        public override bool CanConvert(Type typeToConvert) =>
            typeToConvert.IsInterface
            && (typeof(IGrain).IsAssignableFrom(typeToConvert) || typeof(IGrainObserver).IsAssignableFrom(typeToConvert));

        public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
            (JsonConverter)Activator.CreateInstance(typeof(ReferenceConverter<>).MakeGenericType(typeToConvert), runtime)!;
    }

    private sealed class ReferenceConverter<T>(GrainRuntime runtime) : JsonConverter<T> where T : class
    {
        public override T? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType == JsonTokenType.Null)
            {
                return null;
            }
            var text = reader.GetString() ?? throw new JsonException("A grain reference must be a string.");
            var slash = text.IndexOf('/');
            if (slash <= 0)
            {
                throw new JsonException($"'{text}' is not a grain reference.");
            }
            return (T)runtime.GetReference(typeof(T), new GrainId(text[..slash], text[(slash + 1)..]));
        }

        public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options)
        {
            if (value is not IGrainReference reference)
            {
                throw new InvalidOperationException(
                    $"Only references can cross a grain boundary; wrap the {typeof(T).Name} with IGrainFactory.CreateObjectReference.");
            }
            writer.WriteStringValue(reference.ReferenceId.ToString());
        }
    }
}
