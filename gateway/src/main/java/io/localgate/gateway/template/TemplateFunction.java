package io.localgate.gateway.template;

/** Anything a template can call: a global such as {@code range}, a bound method, a macro. */
@FunctionalInterface
interface TemplateFunction {

    Object call(Arguments arguments);
}
