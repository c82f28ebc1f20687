/* An interrupt line: a device raises it without knowing what is behind it. */
#ifndef HW_IRQ_H
#define HW_IRQ_H

typedef void (*IRQHandler)(void *opaque, int n, int level);

typedef struct IRQLine {
    IRQHandler handler;
    void *opaque;
    int n;
} IRQLine;

static inline void irq_set(IRQLine *irq, int level)
{
    if (irq && irq->handler) {
        irq->handler(irq->opaque, irq->n, level);
    }
}

static inline void irq_init(IRQLine *irq, IRQHandler handler, void *opaque,
                            int n)
{
    irq->handler = handler;
    irq->opaque = opaque;
    irq->n = n;
}

#endif
