/** The six-step plan of the plan tests and of the plan benchmark (see plan-data.js). */
export interface PlanSizes {
  accounts: number;
  contacts: number;
  opportunities: number;
  campaigns: number;
  members: number;
  tasks: number;
  /** Person Accounts (a step of its own with the `people` variant). */
  people?: number;
}

/** Variants: the contacts' email domain, an owner for every task (a User by Username), and Person Accounts. */
export interface PlanVariant {
  domain?: string;
  owner?: string;
  people?: number;
  /** WhoId and WhatId as polymorphic references ({steps: [...]}), not plain ones. */
  poly?: boolean;
  /** Only one group of ten accounts (five contacts) in `selfEvery` refers to another (default 1: all but the first). */
  selfEvery?: number;
}

/** The index of account i's parent (null: none), in a plan of that variant's selfEvery. */
export function parentOf(i: number, every?: number): number | null;

/** The index of contact i's manager (null: none). */
export function managerOf(i: number, every?: number): number | null;

export function planSizes(n: number): PlanSizes;

/** The plan's files (plan.yaml and its CSV files) by name; `p` prefixes every key and name. */
export function planFiles(p: string, n: PlanSizes, v?: PlanVariant): Record<string, string>;
