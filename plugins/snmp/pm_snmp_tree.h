/*
 * The PODMEM-MIB tree of a snapshot: rows sorted by index, and the net-snmp
 * handler that answers GET and GETNEXT (and, through net-snmp's
 * bulk-to-next helper, GETBULK) from them. Read-only: SETs are refused by
 * net-snmp before they reach the handler.
 *
 * A request never reads a cgroup file: the tree holds pointers into the
 * caller's snapshots, so build it (pm_tree_build) after every pm_sample()
 * and before the next request, in the same thread. It keeps the tree of the
 * snapshot before too, for the SNMP requests that snapshot began to answer
 * (the master may send one as several AgentX requests): a snapshot must
 * stay untouched until the second pm_tree_build() after its own, so sample
 * into two snapshots in turn, and not while pm_tree_busy().
 */
#ifndef PM_SNMP_TREE_H
#define PM_SNMP_TREE_H

#include "podmem.h"

struct pm_tree;

/* A tree with no rows yet; INTERVAL (seconds) is what podmemSampleInterval
 * reports. NULL when out of memory. */
struct pm_tree *pm_tree_new(unsigned interval);
void pm_tree_free(struct pm_tree *tree); /* NULL-safe */

/* Answers new requests from SNAP, sampled from cgroup root ROOT
 * (podmemCgroupRoot, copied), and the requests of SNMP transactions that
 * the previous snapshot began from that one (whose snapshot must stay
 * untouched until the next call). Returns 0, or -ENOMEM with an empty tree
 * for new requests. */
int pm_tree_build(struct pm_tree *tree, const struct pm_snapshot *snap, const char *root);

/* True when the previous snapshot's tables answered a request within the
 * last WITHIN_NS: a transaction that began on them may still be going on,
 * and a pm_tree_build() now would end that snapshot in the middle of it. */
bool pm_tree_busy(const struct pm_tree *tree, uint64_t within_ns);

/* Registers podmemObjects with the agent (with the master, once it is
 * connected) and PODMEM-MIB in sysORTable. Returns 0 or -1 (logged). */
int pm_tree_register(struct pm_tree *tree);

#endif
