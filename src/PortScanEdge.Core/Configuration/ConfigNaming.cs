using System.Reflection;
using System.Text;

namespace PortScanEdge.Core.Configuration;

/// <summary>How option classes map to YAML: PascalCase properties and enum members become snake_case keys and words.</summary>
public static class ConfigNaming
{
    /// <summary>Converts <c>DataBits</c> to <c>data_bits</c>; digits do not start a new word (<c>Rs485</c> → <c>rs485</c>).</summary>
    public static string ToSnakeCase(string name)
    {
        var builder = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                if (i > 0 && (char.IsLower(name[i - 1]) || char.IsDigit(name[i - 1])))
                {
                    builder.Append('_');
                }

                builder.Append(char.ToLowerInvariant(c));
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    /// <summary>The bindable properties of an options class: public, with a public setter.</summary>
    public static IEnumerable<PropertyInfo> BindableProperties(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.SetMethod is { IsPublic: true } && p.GetIndexParameters().Length == 0);

    /// <summary>The YAML words of an enum, in declaration order.</summary>
    public static IReadOnlyList<string> EnumWords(Type enumType) =>
        Enum.GetNames(enumType).Select(ToSnakeCase).ToArray();

    /// <summary>True for types bound from a YAML mapping (option classes).</summary>
    public static bool IsOptionsClass(Type type) =>
        type.IsClass && type != typeof(string) && type != typeof(SecretReference) && !IsList(type);

    /// <summary>True for <c>List&lt;T&gt;</c>.</summary>
    public static bool IsList(Type type) => type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>);
}
