import { defineSeed } from 'seedbed'

const RESOURCES = ['users', 'products', 'categories', 'orders'] as const
const ACTIONS = ['read', 'write'] as const

/** `users.read`, `users.write`, ... for every resource. */
export const PERMISSIONS = RESOURCES.flatMap((resource) =>
  ACTIONS.map((action) => ({ name: `${resource}.${action}`, description: `${action === 'read' ? 'View' : 'Change'} ${resource}` })),
)

export default defineSeed({
  name: 'permissions',
  writes: ['permissions'],
  description: 'One permission per resource and action',
  environments: ['development', 'test', 'staging', 'production'],
  priority: 20,
  async run({ upsert }) {
    await upsert('permissions', PERMISSIONS, { conflict: ['name'] })
  },
})
