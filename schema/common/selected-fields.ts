/**
 * Which fields of a connection's nodes an operation asks for, from the resolver's info: the
 * fields under `nodes` and under `edges { node }`, through fragments, whatever their aliases. A
 * list reads only the columns those need. Directives are not evaluated: a field under @skip counts
 * as asked for (reading a column too many is harmless, one too few is not).
 */
import { Kind, type FragmentDefinitionNode, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';

type Fragments = Readonly<Record<string, FragmentDefinitionNode>>;

/** Calls `visit` with each field of `selectionSet`, fragments expanded. */
function eachField(
  selectionSet: SelectionSetNode | undefined,
  fragments: Fragments,
  visit: (name: string, selectionSet: SelectionSetNode | undefined) => void,
): void {
  for (const selection of selectionSet?.selections ?? []) {
    if (selection.kind === Kind.FIELD) visit(selection.name.value, selection.selectionSet);
    else if (selection.kind === Kind.INLINE_FRAGMENT) eachField(selection.selectionSet, fragments, visit);
    else eachField(fragments[selection.name.value]?.selectionSet, fragments, visit);
  }
}

export function connectionNodeFields(info: Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments'>): ReadonlySet<string> {
  const fields = new Set<string>();
  const addNodeFields = (selectionSet: SelectionSetNode | undefined) => eachField(selectionSet, info.fragments, (name) => fields.add(name));
  for (const fieldNode of info.fieldNodes) {
    eachField(fieldNode.selectionSet, info.fragments, (name, selectionSet) => {
      if (name === 'nodes') addNodeFields(selectionSet);
      else if (name === 'edges') eachField(selectionSet, info.fragments, (edgeField, nodeSelection) => edgeField === 'node' && addNodeFields(nodeSelection));
    });
  }
  return fields;
}
