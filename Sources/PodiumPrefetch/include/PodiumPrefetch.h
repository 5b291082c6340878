#ifndef PODIUM_PREFETCH_H
#define PODIUM_PREFETCH_H

/// Starts loading the cache line holding `address` for a read, and returns at once.
///
/// Swift has no prefetch. A plain load does not do: the CPU cannot retire it, nor anything
/// after it, until its line arrives, so a load issued early to overlap a miss with other
/// work stalls that work once the reorder buffer fills. A prefetch retires at once. Never
/// faults, whatever the address.
static inline __attribute__((always_inline)) void podium_prefetch(const void *address) {
    __builtin_prefetch(address, 0, 3);
}

#endif
