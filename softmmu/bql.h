/*
 * The global lock: device state is touched only with it held. The vCPU thread
 * takes it around port and MMIO dispatch, the main thread around its work.
 */
#ifndef SOFTMMU_BQL_H
#define SOFTMMU_BQL_H

void bql_lock(void);
void bql_unlock(void);

#endif
