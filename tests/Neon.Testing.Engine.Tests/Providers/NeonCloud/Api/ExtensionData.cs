using System.Reflection;
using System.Text.Json;

namespace Neon.Api.Tests;

/// <summary>Finds the JSON members that landed in a DTO's <c>AdditionalProperties</c>: what the document does not describe.</summary>
internal static class ExtensionData
{
    public static void Collect(object? value, ISet<string> found)
    {
        switch (value)
        {
            case null or string or JsonElement:
                return;
            case System.Collections.IDictionary dictionary:
                foreach (System.Collections.DictionaryEntry entry in dictionary)
                {
                    Collect(entry.Value, found);
                }

                return;
            case System.Collections.IEnumerable items:
                foreach (var item in items)
                {
                    Collect(item, found);
                }

                return;
        }

        var type = value.GetType();
        if (type.Namespace != typeof(NeonApiClient).Namespace)
        {
            return;
        }

        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.Name == "AdditionalProperties")
            {
                foreach (var key in ((IDictionary<string, object>)property.GetValue(value)!).Keys)
                {
                    found.Add($"{type.Name}.{key}");
                }
            }
            else if (property.GetIndexParameters().Length == 0)
            {
                Collect(property.GetValue(value), found);
            }
        }
    }
}
