/** Who a confirmed session belongs to: what a handler knows of its caller. */
export interface AuthenticatedUser {
  id: string;
  username: string;
  email: string;
  firstName: string;
  lastName: string;
  mlUuid: string;
}
