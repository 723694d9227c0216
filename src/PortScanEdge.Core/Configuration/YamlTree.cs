using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace PortScanEdge.Core.Configuration;

/// <summary>A YAML node with the position where it starts (1-based line and column).</summary>
internal abstract class YamlTreeNode(int line, int column)
{
    public int Line { get; } = line;

    public int Column { get; } = column;

    public abstract string KindName { get; }
}

internal sealed class YamlScalarNode(int line, int column, string value, bool isPlain) : YamlTreeNode(line, column)
{
    public string Value { get; } = value;

    /// <summary>True for unquoted scalars: only those can mean null, true/false or a number.</summary>
    public bool IsPlain { get; } = isPlain;

    public bool IsNull => IsPlain && Value is "" or "~" or "null" or "Null" or "NULL";

    public override string KindName => IsNull ? "an empty value" : "a single value";
}

internal sealed class YamlSequenceNode(int line, int column) : YamlTreeNode(line, column)
{
    public List<YamlTreeNode> Items { get; } = [];

    public override string KindName => "a list";
}

internal sealed class YamlMappingNode(int line, int column) : YamlTreeNode(line, column)
{
    public List<KeyValuePair<YamlScalarNode, YamlTreeNode>> Entries { get; } = [];

    public override string KindName => "a mapping (key: value pairs)";
}

/// <summary>
/// Builds a small position-carrying tree from YamlDotNet's event parser. Working from events (rather than
/// the representation model) lets us bound nesting depth and event count before anything large is built,
/// and keep the exact position of every key and value for error messages.
/// </summary>
internal static class YamlTree
{
    /// <summary>Deepest nesting accepted; real configs need fewer than ten levels.</summary>
    public const int MaxDepth = 32;

    /// <summary>Most parser events accepted; a full two-lane site needs a few hundred.</summary>
    public const int MaxEvents = 50_000;

    public static YamlTreeNode? Parse(string text, string file, List<ConfigProblem> problems)
    {
        var parser = new Parser(new StringReader(text));
        var anchors = new Dictionary<string, YamlTreeNode>(StringComparer.Ordinal);
        var stack = new Stack<YamlTreeNode>();
        var pendingKeys = new Stack<YamlScalarNode?>();
        YamlTreeNode? root = null;
        var documents = 0;
        var events = 0;
        var openFlow = new Stack<Mark>();
        var lastMark = Mark.Empty;
        try
        {
            while (parser.MoveNext())
            {
                var current = parser.Current!;
                lastMark = current.End;
                if (++events > MaxEvents)
                {
                    problems.Add(At(file, current.Start, $"the file has more than {MaxEvents} YAML elements; a gateway config needs far fewer"));
                    return null;
                }

                switch (current)
                {
                    case DocumentStart start when !start.IsImplicit || documents > 0:
                        documents++;
                        if (documents > 1)
                        {
                            problems.Add(At(file, current.Start, "the file holds more than one YAML document ('---'); put the whole configuration in one"));
                            return null;
                        }

                        break;
                    case DocumentStart:
                        documents++;
                        break;
                    case Scalar scalar:
                        Attach(new YamlScalarNode((int)scalar.Start.Line, (int)scalar.Start.Column, scalar.Value, scalar.Style == ScalarStyle.Plain), scalar.Anchor);
                        break;
                    case AnchorAlias alias:
                        if (!anchors.TryGetValue(alias.Value.Value, out var target))
                        {
                            problems.Add(At(file, alias.Start, $"alias '*{alias.Value.Value}' refers to no anchor defined before it"));
                            return null;
                        }

                        Attach(target, AnchorName.Empty);
                        break;
                    case MappingStart mappingStart:
                        if (stack.Count >= MaxDepth)
                        {
                            problems.Add(At(file, current.Start, $"nesting deeper than {MaxDepth} levels; a gateway config needs far fewer"));
                            return null;
                        }

                        if (mappingStart.Style == MappingStyle.Flow)
                        {
                            openFlow.Push(mappingStart.Start);
                        }

                        var mapping = new YamlMappingNode((int)mappingStart.Start.Line, (int)mappingStart.Start.Column);
                        Attach(mapping, mappingStart.Anchor);
                        stack.Push(mapping);
                        pendingKeys.Push(null);
                        break;
                    case SequenceStart sequenceStart:
                        if (stack.Count >= MaxDepth)
                        {
                            problems.Add(At(file, current.Start, $"nesting deeper than {MaxDepth} levels; a gateway config needs far fewer"));
                            return null;
                        }

                        if (sequenceStart.Style == SequenceStyle.Flow)
                        {
                            openFlow.Push(sequenceStart.Start);
                        }

                        var sequence = new YamlSequenceNode((int)sequenceStart.Start.Line, (int)sequenceStart.Start.Column);
                        Attach(sequence, sequenceStart.Anchor);
                        stack.Push(sequence);
                        pendingKeys.Push(null);
                        break;
                    case MappingEnd or SequenceEnd:
                        if (stack.Peek() is var closing && openFlow.Count > 0 &&
                            openFlow.Peek().Line == closing.Line && openFlow.Peek().Column == closing.Column)
                        {
                            openFlow.Pop();
                        }

                        stack.Pop();
                        pendingKeys.Pop();
                        break;
                }
            }
        }
        catch (YamlException ex)
        {
            problems.Add(new ConfigProblem(file, (int)ex.Start.Line, (int)ex.Start.Column, string.Empty, "YAML syntax error: " + Describe(ex)));
            return null;
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner can fail this way on some unterminated flow collections instead of
            // raising a YamlException; point at the bracket that was never closed when we know it.
            if (openFlow.Count > 0)
            {
                problems.Add(At(file, openFlow.Peek(), "YAML syntax error: this '[' or '{' is never closed (an unclosed bracket?)"));
            }
            else
            {
                problems.Add(At(file, lastMark, "YAML syntax error after this point: the structure is not closed (an unclosed bracket or quote?)"));
            }

            return null;
        }
        catch (KeyMustBeScalarException ex)
        {
            problems.Add(new ConfigProblem(file, ex.Line, ex.Column, string.Empty, "keys must be plain words, not lists or mappings"));
            return null;
        }

        return root;

        void Attach(YamlTreeNode node, AnchorName anchor)
        {
            if (!anchor.IsEmpty)
            {
                anchors[anchor.Value] = node;
            }

            if (stack.Count == 0)
            {
                root = node;
                return;
            }

            switch (stack.Peek())
            {
                case YamlSequenceNode sequence:
                    sequence.Items.Add(node);
                    break;
                case YamlMappingNode mapping:
                    var key = pendingKeys.Pop();
                    if (key is null)
                    {
                        if (node is not YamlScalarNode scalarKey)
                        {
                            throw new KeyMustBeScalarException(node.Line, node.Column);
                        }

                        pendingKeys.Push(scalarKey);
                    }
                    else
                    {
                        mapping.Entries.Add(new(key, node));
                        pendingKeys.Push(null);
                    }

                    break;
            }
        }
    }

    private static ConfigProblem At(string file, Mark mark, string message) =>
        new(file, (int)mark.Line, (int)mark.Column, string.Empty, message);

    private static string Describe(YamlException ex)
    {
        // YamlDotNet prefixes messages with "(Line: 3, Col: 5, Idx: ...) - (...): "; we print our own position.
        var message = ex.Message;
        var marker = message.IndexOf("): ", StringComparison.Ordinal);
        if (message.StartsWith('(') && marker > 0)
        {
            message = message[(marker + 3)..];
        }

        if (message.Contains("did not find expected ',' or ']'", StringComparison.Ordinal) ||
            message.Contains("did not find expected ',' or '}'", StringComparison.Ordinal))
        {
            return message + " (an unclosed bracket?)";
        }

        return message;
    }

    private sealed class KeyMustBeScalarException(int line, int column) : Exception
    {
        public int Line { get; } = line;

        public int Column { get; } = column;
    }
}
