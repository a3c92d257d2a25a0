/**
 * Relay connections. Every list in Vigil's API is one: `edges { cursor node }`, `nodes` for
 * clients that need no cursors, and `pageInfo`. Cursors are opaque keyset positions.
 */
import { ArgsType, Field, Int, ObjectType, type ClassType } from 'type-graphql';
import type { Page } from '../../server/pagination/keyset.js';

@ObjectType({ simpleResolvers: true })
export class PageInfo {
  @Field(() => Boolean)
  hasNextPage!: boolean;
  @Field(() => Boolean)
  hasPreviousPage!: boolean;
  @Field(() => String, { nullable: true })
  startCursor!: string | null;
  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}

@ArgsType()
export class PageArgs {
  @Field(() => Int, { nullable: true, description: 'Page size, newest first (default 50, at most 500).' })
  first?: number | null;
  @Field(() => String, { nullable: true, description: 'The endCursor of the previous page.' })
  after?: string | null;
  @Field(() => Int, { nullable: true, description: 'Page size when paging backwards (at most 500).' })
  last?: number | null;
  @Field(() => String, { nullable: true, description: 'The startCursor of the page after this one.' })
  before?: string | null;
}

export interface ConnectionShape<TNode> {
  edges: { cursor: string; node: TNode }[];
  nodes: TNode[];
  pageInfo: PageInfo;
}

export function Connection<TNode extends object>(Node: ClassType<TNode>, name: string) {
  @ObjectType(`${name}Edge`, { simpleResolvers: true })
  class Edge {
    @Field(() => String)
    cursor!: string;
    @Field(() => Node)
    node!: TNode;
  }

  @ObjectType(`${name}ConnectionBase`, { simpleResolvers: true })
  abstract class ConnectionType implements ConnectionShape<TNode> {
    @Field(() => [Edge])
    edges!: Edge[];
    @Field(() => [Node])
    nodes!: TNode[];
    @Field(() => PageInfo)
    pageInfo!: PageInfo;
  }
  return ConnectionType;
}

/** A service page as a connection, mapping each row to its GraphQL shape. */
/** Edges and the end cursors are made when a client asks for them: most read `nodes` only. */
export function toConnection<TRow, TNode>(page: Page<TRow>, map: (row: TRow) => TNode): ConnectionShape<TNode> {
  const nodes = page.nodes.map(map);
  const last = nodes.length - 1;
  let edges: ConnectionShape<TNode>['edges'] | undefined;
  return {
    nodes,
    get edges() {
      return (edges ??= nodes.map((node, index) => ({ node, cursor: page.cursorAt(index) })));
    },
    pageInfo: {
      hasNextPage: page.hasNextPage,
      hasPreviousPage: page.hasPreviousPage,
      get startCursor() {
        return last >= 0 ? page.cursorAt(0) : null;
      },
      get endCursor() {
        return last >= 0 ? page.cursorAt(last) : null;
      },
    },
  };
}
